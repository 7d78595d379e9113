// dualroot-disk replace on loop devices: a btrfs RAID1 whose second disk is gone (detached, the
// root mounted degraded), the dead ESP still in fstab. The plan names the missing devid; the run
// partitions and formats the new disk and points the dead fstab line at it, then stops at the
// vfat mount the host cannot do.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as disk } from '../../src/cli/disk.js';
import { btrfsRaid1, loseDisk } from '../helpers/btrfs-raid.js';
import { blankDisk, type OneDiskMachine } from '../helpers/disk-sim.js';
import { efivarsFor, mount, runProgram, scratch } from '../helpers/sim.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(disk, 'dualroot-disk', argv, env);

t.test('replace: the missing devid, the dead fstab line pointed at the new ESP', async (t) => {
  const root = scratch(t);
  const spec = [
    { type: 'esp' as const, sizeMiB: 32 },
    { type: 'linux' as const, sizeMiB: 160, fs: 'none' as const },
  ];
  const { a, b } = await btrfsRaid1(t, root, spec);
  const machine = { root } as OneDiskMachine;
  // The second disk dies: gone from the kernel, the root mounts degraded from the first.
  await loseDisk(b, true);
  const rootfs = join(root, 'rootfs');
  await mount(t, a.parts[1]!.device, rootfs, ['-o', 'degraded']);
  await mount(t, a.parts[0]!.device, join(root, 'efi0'));
  const { symlinkSync } = await import('node:fs');
  symlinkSync(`/sys/class/block/${a.loop.slice(5)}`, join(root, 'sys/class/block', a.loop.slice(5)));
  const fstab = join(root, 'fstab');
  const deadLine = `PARTUUID=${b.parts[0]!.partUuid} ${root}/efi1 vfat rw,fmask=0077,nofail 0 2`;
  const fstabText = `PARTUUID=${a.parts[0]!.partUuid} ${root}/efi0 ext4 nofail 0 2\n${deadLine}\n`;
  writeFileSync(fstab, fstabText);
  writeFileSync(join(root, 'dualroot.conf'), '', { mode: 0o644 });
  const env = {
    PATH: process.env.PATH,
    DUALROOT_CONFIG: join(root, 'dualroot.conf'),
    DUALROOT_EFIVARS: efivarsFor(root, a.parts[0]!.partUuid),
    DUALROOT_ESP_ROOT: root,
    DUALROOT_SYSFS: join(root, 'sys'),
    DUALROOT_RUN_DIR: join(root, 'run'),
    DUALROOT_FSTAB: fstab,
    DUALROOT_ROOT: rootfs,
    DUALROOT_SYSTEMD_RUN: join(root, 'no-systemd'),
  };
  const blank = await blankDisk(t, machine, 256);

  const add = await run(env, 'add', blank);
  t.equal(add.code, 1);
  t.match(add.stderr, /misses a device \(1 of 2 devices present\): that is a replacement/);
  t.match(add.stderr, 'fix: dualroot-disk replace DEVICE');

  const plan = await run(env, 'plan', 'replace', blank);
  t.equal(plan.code, 0, plan.stderr);
  t.match(plan.stdout, `btrfs replace start -B 2 ${blank}p2 ${rootfs}`);
  t.match(plan.stdout, `${fstab} line 2: PARTUUID=${b.parts[0]!.partUuid} → PARTUUID=`);
  t.equal(readFileSync(fstab, 'utf8'), fstabText, 'plan changed nothing');

  const first = await run(env, 'replace', blank);
  t.equal(first.code, 1, 'stops at the vfat mount');
  t.match(
    first.stderr,
    /failed: mount -t vfat -o rw,fmask=0077 .*; done: partition, partx, mkfs-esp, fstab; not done: mount/,
  );
  const espUuid = JSON.parse(
    (await execa('sfdisk', ['-J', blank])).stdout,
  ).partitiontable.partitions[0].uuid.toLowerCase();
  const lines = readFileSync(fstab, 'utf8').split('\n');
  t.equal(lines[0], fstabText.split('\n')[0], 'the survivor line untouched');
  t.equal(
    lines[1],
    `PARTUUID=${espUuid} ${root}/efi1 vfat rw,fmask=0077,nofail 0 2`,
    'only the source changed',
  );
  t.equal(lines.length, 3, 'no line added');

  const again = await run(env, 'replace', blank);
  t.equal(again.code, 1);
  t.match(
    again.stdout,
    /4\. \[done\] .*mount the new ESP at .*efi1 \(PARTUUID=/,
    'the fstab step checked, not redone',
  );
  t.match(
    again.stdout,
    /==> step 5\/9: mount the new ESP at .*\n\s+mount -t vfat -o rw,fmask=0077 /,
    "the line's own options",
  );
});
