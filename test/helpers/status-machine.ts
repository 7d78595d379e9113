// The healthy two-disk machine dualroot-status tests start from: the real captured EFI variables
// (one boot entry per ESP, booted from disk 0), /boot bound, ESP 1 synced, fstab with nofail.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { runProgram, type SimMachine, twoDiskMachine } from './sim.js';
import { bytes, writeTree } from './tree.js';

/** The captured EFI variable folders (test/fixtures/efivars/README.md). */
export const EFIVARS_FIXTURES = join(import.meta.dirname, '../fixtures/efivars');
/** The ESP PARTUUIDs of the machine the captures come from: the loop disks get the same ones. */
export const CAPTURED_PARTUUIDS: [string, string] = [
  '2501309a-e669-42ad-82ce-06032008c705',
  'dcd286f4-1c96-40ba-ac93-e4e3e0665751',
];

/** Runs dualroot-status in-process with this environment. */
export const runStatus = (env: NodeJS.ProcessEnv, ...argv: string[]) =>
  runProgram(status, 'dualroot-status', argv, env);

/** A sim machine with `envx`: its environment with the captured EFI variables and its fstab. */
export type StatusMachine = SimMachine & { envx: NodeJS.ProcessEnv };

/** A healthy two-disk machine: captured EFI variables with one entry per ESP, bound, synced, fstab with nofail. */
export async function healthyMachine(t: Test, espMiB?: [number, number]): Promise<StatusMachine> {
  const m = await twoDiskMachine(t, { partUuids: CAPTURED_PARTUUIDS, ...(espMiB ? { espMiB } : {}) });
  const fstab = join(m.root, 'fstab');
  writeFileSync(
    fstab,
    CAPTURED_PARTUUIDS.map(
      (uuid, i) => `PARTUUID=${uuid} ${m.efi[i]} vfat umask=0077,nofail,x-systemd.device-timeout=10s 0 2\n`,
    ).join(''),
  );
  const envx = {
    ...m.env,
    DUALROOT_EFIVARS: join(EFIVARS_FIXTURES, 'both-entries-booted-disk0'),
    DUALROOT_FSTAB: fstab,
  };
  writeTree(m.efi[0]!, {
    'EFI/BOOT/BOOTX64.EFI': bytes(50_000, 1),
    'vmlinuz-linux': bytes(300_000, 2),
    'loader/entries/arch.conf': 'title Arch\n',
    'loader/random-seed': 'seed0',
  });
  t.equal((await runProgram(bind, 'dualroot-bind', [], envx)).code, 0);
  t.equal((await runProgram(sync, 'dualroot-sync', [], envx)).code, 0);
  return { ...m, envx };
}
