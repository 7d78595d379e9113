import { rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as esp } from '../../src/cli/esp.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';
import { writeTree } from '../helpers/tree.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');
// The PARTUUIDs of the machine the captures come from: our loop disks get the same ones.
const PARTUUIDS: [string, string] = [
  '2501309a-e669-42ad-82ce-06032008c705',
  'dcd286f4-1c96-40ba-ac93-e4e3e0665751',
];
const run = (env: NodeJS.ProcessEnv, scenario: string, ...argv: string[]) =>
  runProgram(esp, 'dualroot-esp', ['entries', '--efivars', join(FIXTURES, scenario), ...argv], env);

const loopNumber = (loop: string) => Number(loop.replace(/^\/dev\/loop/, ''));

t.test('entries present: listed with their BootOrder position; nothing to fix', async (t) => {
  const m = await twoDiskMachine(t, { partUuids: PARTUUIDS });
  // The loader the entries start, in FAT's case-insensitive spelling on disk 1.
  writeTree(m.efi[0]!, { 'EFI/BOOT/BOOTX64.EFI': 'sd-boot' });
  writeTree(m.efi[1]!, { 'efi/boot/bootx64.efi': 'sd-boot' });
  const list = await run(m.env, 'both-entries-booted-disk0');
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /^BootOrder: 0006,0005,0000,0001,0002,0003,0004$/m);
  t.match(
    list.stdout,
    `ESP ${m.disks[0]!.parts[0]!.device} (PARTUUID ${PARTUUIDS[0]}): Boot0006 "probe-disk0" \\EFI\\BOOT\\BOOTX64.EFI, BootOrder position 1`,
  );
  t.match(
    list.stdout,
    `ESP ${m.disks[1]!.parts[0]!.device} (PARTUUID ${PARTUUIDS[1]}): Boot0005 "probe-disk1"`,
  );
  const fix = await run(m.env, 'both-entries-booted-disk0', '--fix', '--test');
  t.equal(fix.code, 0);
  t.match(fix.stdout, /nothing to fix/);
  // --test only means something with --fix: alone it is a usage error, not a silent listing.
  const alone = await run(m.env, 'both-entries-booted-disk0', '--test');
  t.equal(alone.code, 2, '--test without --fix is a usage error');
  t.match(alone.stderr, /--test only applies to --fix/);

  // The entry stays, the file it starts is gone: the firmware would fail on that disk.
  rmSync(join(m.efi[1]!, 'efi'), { recursive: true });
  const broken = await run(m.env, 'both-entries-booted-disk0');
  t.equal(broken.code, 3, 'an entry whose loader is missing is a problem');
  t.match(
    broken.stdout + broken.stderr,
    /Boot0005 \("probe-disk1"\) for \S+ starts \\EFI\\BOOT\\BOOTX64\.EFI, which is not on that ESP .*bootctl install --esp-path=/,
  );
});

t.test(
  'only firmware-made entries: both missing (exit 3); --fix --test prints the efibootmgr calls',
  async (t) => {
    const m = await twoDiskMachine(t, { partUuids: PARTUUIDS });
    writeTree(m.efi[0]!, { 'EFI/systemd/systemd-bootx64.efi': 'sd-boot', 'EFI/BOOT/BOOTX64.EFI': 'sd-boot' });
    writeTree(m.efi[1]!, { 'efi/boot/bootx64.efi': 'sd-boot' });
    const list = await run(m.env, 'both-fallback-booted-disk0');
    t.equal(list.code, 3);
    t.match(
      list.stderr,
      new RegExp(
        `ESP ${m.disks[0]!.parts[0]!.device} on ${m.disks[0]!.loop} \\(PARTUUID ${PARTUUIDS[0]}\\) has no boot entry`,
      ),
    );
    const fix = await run(m.env, 'both-fallback-booted-disk0', '--fix', '--test');
    t.equal(fix.code, 0, fix.stderr);
    const d0 = m.disks[0]!;
    const d1 = m.disks[1]!;
    const lines = fix.stdout.split('\n').filter((l) => l.startsWith('would run:'));
    // ESPs in disk order, numbers compared as numbers (loop9 before loop10); which loop device each
    // disk got depends on what else runs on this machine.
    const inOrder = [
      {
        disk: d0,
        create: `would run: efibootmgr --create-only --disk ${d0.loop} --part 1 --loader '\\EFI\\systemd\\systemd-bootx64.efi' --label 'dualroot ${d0.loop.slice(5)}'`,
      },
      {
        disk: d1,
        create: `would run: efibootmgr --create-only --disk ${d1.loop} --part 1 --loader '\\efi\\boot\\bootx64.efi' --label 'dualroot ${d1.loop.slice(5)}'`,
      },
    ].sort((a, b) => loopNumber(a.disk.loop) - loopNumber(b.disk.loop));
    const first = inOrder[0]!;
    const second = inOrder[1]!;
    t.same(lines, [
      first.create,
      second.create,
      `would run: efibootmgr --bootorder '<new:${first.disk.parts[0]!.device}>,<new:${second.disk.parts[0]!.device}>,0001,0002,0000,0003'`,
    ]);
    const json = JSON.parse(
      (await run(m.env, 'both-fallback-booted-disk0', '--fix', '--test', '--json')).stdout,
    );
    t.same(json.commands[loopNumber(d0.loop) < loopNumber(d1.loop) ? 0 : 1], [
      'efibootmgr',
      '--create-only',
      '--disk',
      d0.loop,
      '--part',
      '1',
      '--loader',
      '\\EFI\\systemd\\systemd-bootx64.efi',
      '--label',
      `dualroot ${d0.loop.slice(5)}`,
    ]);
    t.equal(json.problems.length, 2);
  },
);

t.test('an ESP without a boot loader or unmounted cannot get an entry: clear failure', async (t) => {
  const m = await twoDiskMachine(t, { partUuids: PARTUUIDS, mountEfi1: false });
  writeTree(m.efi[0]!, { 'EFI/BOOT/BOOTX64.EFI': 'x' });
  const unmounted = await run(m.env, 'both-fallback-booted-disk0', '--fix', '--test');
  t.equal(unmounted.code, 1);
  t.match(unmounted.stderr, /cannot create a boot entry for \/dev\/loop\d+p1: it is not mounted/);
  const m2 = await twoDiskMachine(t, { partUuids: PARTUUIDS });
  const noLoader = await run(m2.env, 'both-fallback-booted-disk0', '--fix', '--test');
  t.equal(noLoader.code, 1);
  t.match(
    noLoader.stderr,
    // The first ESP in disk order is reported, whichever of the two loop devices that is.
    /no boot loader on it \(looked for EFI\/systemd\/systemd-bootx64.efi, EFI\/BOOT\/BOOTX64.EFI under .*efi[01]\).*\n.*fix: install one \(bootctl --esp-path=/,
  );
});

t.test('captures from a boot without disk 0 still match both ESPs by PARTUUID', async (t) => {
  const m = await twoDiskMachine(t, { partUuids: PARTUUIDS });
  for (const efi of m.efi) writeTree(efi!, { 'EFI/BOOT/BOOTX64.EFI': 'sd-boot' });
  const list = await run(m.env, 'disk1only-entries-booted-disk1');
  // Here disk 0's entry (Boot0006) is first; both ESPs have entries and come before the shell.
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /Boot0005 "probe-disk1" .*BootOrder position 2/);
});

t.test('without UEFI there are no entries to check', async (t) => {
  const m = await twoDiskMachine(t);
  const result = await runProgram(esp, 'dualroot-esp', ['entries', '--efivars', join(m.root, 'none')], m.env);
  t.equal(result.code, 1);
  t.match(result.stderr, /does not exist: not booted in UEFI mode, or efivarfs not mounted/);
});
