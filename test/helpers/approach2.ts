// An approach-2 machine on two loop disks (ESP + ext4 root each, disk 0 booted), with a loader
// entry and an fstab naming disk 0's partitions, and an [sync:etc] item onto disk 1's root.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import type { Io } from '../../src/cli/output.js';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { efivarsFor, makeDisk, mount, runProgram, scratch } from './sim.js';
import { CAPTURED_PARTUUIDS, EFIVARS_FIXTURES } from './status-machine.js';

const fsUuid = async (device: string) =>
  (await execa('blkid', ['-p', '-s', 'UUID', '-o', 'value', device])).stdout.trim();

/**
 * Two disks, each ESP + root (disk 0 with `extra` more partitions), mounted; booted from disk 0's ESP.
 * `healthy`: the ESPs get the PARTUUIDs of the captured EFI variables (one boot entry each), disk 0's
 * ESP a loader and /boot bound, so dualroot-status finds nothing wrong but what a test makes.
 */
export async function approach2(t: Test, extra = 0, options: { healthy?: boolean } = {}) {
  const root = scratch(t);
  const layout = (n: number, disk: number) => [
    {
      type: 'esp' as const,
      sizeMiB: 16,
      ...(options.healthy ? { partUuid: CAPTURED_PARTUUIDS[disk] } : {}),
    },
    { type: 'linux' as const, sizeMiB: 24 },
    ...Array.from({ length: n }, () => ({ type: 'linux' as const, sizeMiB: 8 })),
  ];
  const disks = [await makeDisk(t, root, layout(extra, 0)), await makeDisk(t, root, layout(0, 1))];
  const [efi0, efi1, root0, root1] = ['efi0', 'efi1', 'root0', 'root1'].map((d) => join(root, d)) as [
    string,
    string,
    string,
    string,
  ];
  await mount(t, disks[0]!.parts[0]!.device, efi0);
  await mount(t, disks[1]!.parts[0]!.device, efi1);
  await mount(t, disks[0]!.parts[1]!.device, root0);
  await mount(t, disks[1]!.parts[1]!.device, root1);
  for (const d of [efi0, efi1, root0, root1]) rmSync(join(d, 'lost+found'), { recursive: true, force: true });
  mkdirSync(join(root0, 'etc'), { recursive: true });
  mkdirSync(join(root1, 'etc'), { recursive: true });
  mkdirSync(join(root, 'boot'));
  const ids = {
    root0: await fsUuid(disks[0]!.parts[1]!.device),
    root1: await fsUuid(disks[1]!.parts[1]!.device),
    esp0: disks[0]!.parts[0]!.partUuid,
    esp1: disks[1]!.parts[0]!.partUuid,
    extra: extra > 0 ? await fsUuid(disks[0]!.parts[2]!.device) : '',
  };
  mkdirSync(join(efi0, 'loader/entries'), { recursive: true });
  writeFileSync(join(efi0, 'vmlinuz-linux'), 'kernel');
  writeFileSync(
    join(efi0, 'loader/entries/arch.conf'),
    `title Arch Linux\nlinux /vmlinuz-linux\noptions root=UUID=${ids.root0} rw\n`,
  );
  writeFileSync(
    join(root0, 'etc/fstab'),
    `UUID=${ids.root0} / ext4 rw 0 1\nUUID=${ids.root1} /mnt/root1 ext4 rw,nofail 0 2\nPARTUUID=${ids.esp0} /efi0 vfat rw 0 2\nPARTUUID=${ids.esp1} /efi1 vfat rw,nofail 0 2\n`,
  );
  writeFileSync(join(root0, 'etc/crypttab'), '# no LUKS here\n', { mode: 0o600 });
  chmodSync(join(root0, 'etc/crypttab'), 0o600);
  writeFileSync(join(root0, 'etc/hostname'), 'twin\n');
  const config = join(root, 'dualroot.conf');
  writeFileSync(
    config,
    `[bind]\ntarget = ${join(root, 'boot')}\n[sync:etc]\nsource = ${join(root0, 'etc')}\ndestinations = ${join(root1, 'etc')}\n`,
  );
  const env = {
    PATH: process.env.PATH,
    DUALROOT_CONFIG: config,
    DUALROOT_EFIVARS: options.healthy
      ? join(EFIVARS_FIXTURES, 'both-entries-booted-disk0')
      : efivarsFor(root, ids.esp0),
    DUALROOT_ESP_ROOT: root,
    DUALROOT_SYSFS: join(root, 'sys'),
    DUALROOT_RUN_DIR: join(root, 'run'),
    DUALROOT_FSTAB: join(root0, 'etc/fstab'),
  };
  if (options.healthy) {
    mkdirSync(join(efi0, 'EFI/BOOT'), { recursive: true });
    writeFileSync(join(efi0, 'EFI/BOOT/BOOTX64.EFI'), 'loader');
    t.equal((await runProgram(bind, 'dualroot-bind', [], env)).code, 0, 'dualroot-bind');
  }
  const program =
    (main: (argv: string[], io: Io) => Promise<number>, name: string) =>
    async (...argv: string[]) => {
      const r = await runProgram(main, name, argv, env);
      return { ...r, out: `${r.stdout}\n${r.stderr}` };
    };
  return {
    efi0,
    efi1,
    root0,
    root1,
    ids,
    env,
    run: program(sync, 'dualroot-sync'),
    status: program(status, 'dualroot-status'),
  };
}
