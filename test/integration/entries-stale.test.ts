// dualroot-esp entries lists every boot entry as the firmware has it, marks the stale ones (a
// partition no disk has) and --fix --prune removes those that start a loader dualroot installs.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main as esp } from '../../src/cli/esp.js';
import { makeDisk, mount, runProgram, scratch } from '../helpers/sim.js';
import { writeTree } from '../helpers/tree.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');
const DISK0 = '2501309a-e669-42ad-82ce-06032008c705';
const DISK1 = 'dcd286f4-1c96-40ba-ac93-e4e3e0665751';
const run = (env: NodeJS.ProcessEnv, scenario: string, ...argv: string[]) =>
  runProgram(esp, 'dualroot-esp', ['entries', '--efivars', join(FIXTURES, scenario), ...argv], env);

t.test('on a machine without the captured disks every entry is still listed', async (t) => {
  const root = scratch(t);
  // No block device at all: the captured machine's disks are not here.
  mkdirSync(join(root, 'sys/class/block'), { recursive: true });
  const env = {
    PATH: process.env.PATH,
    DUALROOT_SYSFS: join(root, 'sys'),
    DUALROOT_FSTAB: join(root, 'fstab'),
  };
  const list = await run(env, 'both-entries-booted-disk0');
  t.equal(list.code, 0, list.stderr);
  const rows = list.stdout.split('\n').filter((l) => /^\s+(\d+|-)\s+Boot/.test(l));
  t.same(
    rows.map((l) => l.trim().split(/\s+/).slice(0, 2)),
    [
      ['1', 'Boot0006'],
      ['2', 'Boot0005'],
      ['3', 'Boot0000'],
      ['4', 'Boot0001'],
      ['5', 'Boot0002'],
      ['6', 'Boot0003'],
      ['7', 'Boot0004'],
    ],
    'all seven, in BootOrder',
  );
  t.match(
    list.stdout,
    `   1  Boot0006  "probe-disk0"  partition ${DISK0}: on no disk, STALE  \\EFI\\BOOT\\BOOTX64.EFI`,
  );
  t.match(list.stdout, /7 {2}Boot0004 {2}"EFI Internal Shell" {2}a firmware shell/);
  t.match(list.stdout, /3 {2}Boot0000 {2}"UiApp" {2}a firmware application/);
  t.match(
    list.stderr,
    `Boot0005 ("probe-disk1") is stale: no disk has its partition ${DISK1} (a dead or removed disk); remove it: efibootmgr --delete-bootnum --bootnum 0005 (or dualroot-esp entries --fix --prune)`,
  );
  // These variables are not this machine's boot: removing "stale" entries would be a guess.
  const prune = await run(env, 'both-entries-booted-disk0', '--fix', '--prune', '--test');
  t.equal(prune.code, 1);
  t.match(
    prune.stderr,
    `refusing to remove boot entries: the booted ESP (PARTUUID ${DISK0}, by LoaderDevicePartUUID) is on no disk this machine shows`,
  );
  t.notMatch(prune.stdout, /would run/);
  const json = JSON.parse((await run(env, 'both-entries-booted-disk0', '--json')).stdout);
  t.same(
    json.entries.filter((e: { stale: boolean }) => e.stale).map((e: { bootnum: string }) => e.bootnum),
    ['0006', '0005'],
  );
  t.equal(json.entries[0].managedLoader, true);
  const alone = await run(env, 'both-entries-booted-disk0', '--prune');
  t.equal(alone.code, 2, '--prune without --fix is a usage error');
  t.match(alone.stderr, /--prune only applies to --fix/);
});

t.test('disk 0 dead: its entry is stale and --fix --prune removes it, and only it', async (t) => {
  const root = scratch(t);
  // Disk 1 of the captured machine, alone, as it booted in the disk1only capture.
  const disk = await makeDisk(t, root, [{ type: 'esp', sizeMiB: 32, partUuid: DISK1 }]);
  const efi1 = join(root, 'efi1');
  await mount(t, disk.parts[0]!.device, efi1);
  rmSync(join(efi1, 'lost+found'), { recursive: true, force: true });
  writeTree(efi1, { 'EFI/BOOT/BOOTX64.EFI': 'sd-boot' });
  const env = {
    PATH: process.env.PATH,
    DUALROOT_SYSFS: join(root, 'sys'),
    DUALROOT_ESP_ROOT: root,
    DUALROOT_FSTAB: join(root, 'fstab'),
  };
  const list = await run(env, 'disk1only-entries-booted-disk1');
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, `   1  Boot0006  "probe-disk0"  partition ${DISK0}: on no disk, STALE`);
  t.match(list.stdout, `   2  Boot0005  "probe-disk1"  ESP ${disk.parts[0]!.device} (disk ${disk.loop})`);
  t.match(list.stderr, /Boot0006 \("probe-disk0"\) is stale: .*efibootmgr --delete-bootnum --bootnum 0006/);
  const fix = await run(env, 'disk1only-entries-booted-disk1', '--fix', '--test');
  t.match(fix.stdout, /nothing to fix/, 'without --prune a stale entry is only reported');
  const prune = await run(env, 'disk1only-entries-booted-disk1', '--fix', '--prune', '--test');
  t.equal(prune.code, 0, prune.stderr);
  t.same(
    prune.stdout.split('\n').filter((l) => l.startsWith('would run:')),
    ['would run: efibootmgr --delete-bootnum --bootnum 0006'],
  );
  const json = JSON.parse(
    (await run(env, 'disk1only-entries-booted-disk1', '--fix', '--prune', '--test', '--json')).stdout,
  );
  t.same(json.commands, [['efibootmgr', '--delete-bootnum', '--bootnum', '0006']]);
});
