// dualroot-disk add on a one-disk machine with a plain ext4 root, on loop devices: the new disk's
// own root made (real mkfs.ext4 with the planned UUID), named in fstab, mounted and filled by real
// rsync; the run stops where the host cannot go on (no vfat to mount the new ESP) and a rerun does
// not redo what is done. The whole way, with the sync and both disks booting alone, is lab scenario 10.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as disk } from '../../src/cli/disk.js';
import { blankDisk, oneDiskMachine } from '../helpers/disk-sim.js';
import { runProgram } from '../helpers/sim.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(disk, 'dualroot-disk', argv, env);
const blkid = async (tag: string, device: string) =>
  (await execa('blkid', ['-p', '-o', 'value', '-s', tag, device])).stdout.trim();

t.test('add on a plain ext4 root: the second root made, copied, named in fstab', async (t) => {
  const m = await oneDiskMachine(t, 'ext4');
  const rootfs = m.env.DUALROOT_ROOT!;
  for (const d of ['etc', 'usr/lib', 'root', 'var/cache/pacman/pkg', 'tmp'])
    mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(rootfs, 'etc/hostname'), 'lab\n');
  writeFileSync(join(rootfs, 'usr/lib/os-release'), 'ID=arch\n', { mode: 0o600 });
  writeFileSync(join(rootfs, 'var/cache/pacman/pkg/linux-6.12.pkg.tar.zst'), 'big package');
  writeFileSync(join(rootfs, 'tmp/scratch'), 'scratch');
  const blank = await blankDisk(t, m, 256);

  const plan = await run(m.env, 'plan', 'add', blank);
  t.equal(plan.code, 0, plan.stderr);
  t.match(plan.stdout, `dualroot-disk add ${blank}: 10 of 10 steps to do`);
  t.match(plan.stdout, /mkfs\.ext4 -q -F -U [0-9a-f-]{36} /);
  t.match(
    plan.stdout,
    `append to the config: [sync:etc] source = ${rootfs}/etc, destinations = ${rootfs}/mnt/root1/etc`,
  );
  t.notMatch(plan.stdout, 'btrfs', 'no RAID step');

  const first = await run(m.env, 'add', blank);
  t.equal(first.code, 1, 'the host cannot mount FAT: the run stops at the ESP mount');
  t.match(
    first.stderr,
    /step 8\/10 \(mount the new ESP at .*\) failed: .*; done: partition, partx, mkfs-esp, fstab, mkfs-root, mount-root, copy-root; not done: mount, sync, entries/,
  );
  const uuid = await blkid('UUID', `${blank}p2`);
  t.equal(await blkid('TYPE', `${blank}p2`), 'ext4');
  t.match(first.stdout, `UUID ${uuid}`, 'the UUID the plan printed is the one made');
  const fstab = readFileSync(m.fstab, 'utf8');
  t.match(fstab, `UUID=${uuid}  ${rootfs}/mnt/root1  ext4  rw,nofail,x-systemd.device-timeout=10s  0 2`);
  const copy = join(rootfs, 'mnt/root1');
  const mounted = (await execa('findmnt', ['-no', 'SOURCE', copy])).stdout.trim();
  t.equal(mounted, `${blank}p2`, 'the new root is mounted at /mnt/root1');
  t.equal(readFileSync(join(copy, 'etc/hostname'), 'utf8'), 'lab\n', 'the root copied');
  t.equal(statSync(join(copy, 'usr/lib/os-release')).mode & 0o777, 0o600, 'with its metadata');
  t.ok(statSync(join(copy, 'var/cache/pacman/pkg')).isDirectory(), "pacman's cache directory kept");
  t.throws(() => statSync(join(copy, 'var/cache/pacman/pkg/linux-6.12.pkg.tar.zst')), 'its packages not');
  t.throws(() => statSync(join(copy, 'tmp/scratch')), '/tmp not copied');
  t.same(readdirSync(join(copy, 'mnt/root1')), [], 'not into itself: its own mount point, empty');
  const config = readFileSync(m.env.DUALROOT_CONFIG!, 'utf8');
  for (const d of ['etc', 'usr', 'root'])
    t.match(
      config,
      `[sync:${d}]\n; written by dualroot-disk add ${blank}: ${rootfs}/${d} kept on the new disk's root\nsource = ${rootfs}/${d}\ndestinations = ${copy}/${d}\n`,
    );
  t.notMatch(config, '[sync:opt]', 'no item for a directory the root does not have');

  const again = await run(m.env, 'add', blank);
  t.equal(again.code, 1);
  t.match(again.stdout, `dualroot-disk add ${blank}: 3 of 10 steps to do`);
  t.match(
    again.stdout,
    /4\. \[done\] .*fstab.*\n\s+5\. \[done\] make the new disk's filesystems.*\n\s+6\. \[done\] mount the new root/,
  );
  t.match(
    again.stdout,
    /7\. \[done\] copy \/.* onto .*\/mnt\/root1/,
    'the copy is done: the config names it',
  );
  t.equal(readFileSync(m.env.DUALROOT_CONFIG!, 'utf8'), config, 'the items not added twice');
  t.notMatch(again.stdout, 'mkfs.ext4', 'not formatted again');
  t.equal(await blkid('UUID', `${blank}p2`), uuid, 'the same filesystem');
  t.equal(readFileSync(m.fstab, 'utf8'), fstab, 'the fstab lines not added twice');
});

t.test('add on a plain root refuses a root it cannot copy and replace, before writing', async (t) => {
  const m = await oneDiskMachine(t, 'ext4');
  const blank = await blankDisk(t, m, 256);
  const replace = await run(m.env, 'replace', blank);
  t.equal(replace.code, 1);
  t.match(
    replace.stderr,
    /one root per disk \(approach 2\): dualroot-disk replace rebuilds a RAID1 root only/,
  );
  const noMkfs = await run({ ...m.env, PATH: '/nowhere' }, 'add', blank);
  t.match(noMkfs.stderr, /mkfs\.ext4 \(Arch package e2fsprogs\), rsync \(Arch package rsync\)/);
  t.equal(readFileSync(m.fstab, 'utf8'), m.fstabText, 'fstab unchanged');
  t.match((await execa('wipefs', ['-J', blank])).stdout, /"signatures": \[\s*\]/, 'still blank');
});

t.test('a separate /home on the booted disk: made, mounted in the copy and copied too', async (t) => {
  const m = await oneDiskMachine(t, 'ext4', { home: true });
  const rootfs = m.env.DUALROOT_ROOT!;
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'home/arch'), { recursive: true });
  writeFileSync(join(rootfs, 'home/arch/notes'), 'mine\n');
  const blank = await blankDisk(t, m, 256);
  const out = await run(m.env, 'add', blank);
  t.equal(out.code, 1, 'stops at the ESP mount');
  t.match(out.stderr, /done: partition, partx, mkfs-esp, fstab, mkfs-root, mount-root, copy-root;/);
  const copy = join(rootfs, 'mnt/root1');
  const home = (await execa('findmnt', ['-no', 'SOURCE', join(copy, 'home')])).stdout.trim();
  t.equal(home, `${blank}p3`, "the new disk's /home partition mounted in the copy");
  t.equal(readFileSync(join(copy, 'home/arch/notes'), 'utf8'), 'mine\n', 'and /home copied onto it');
  const uuid = await blkid('UUID', `${blank}p3`);
  t.match(
    readFileSync(m.fstab, 'utf8'),
    `UUID=${uuid}  ${copy}/home  ext4  rw,nofail,x-systemd.device-timeout=10s  0 2`,
  );
  t.notMatch(
    readFileSync(m.env.DUALROOT_CONFIG!, 'utf8'),
    '[sync:home]',
    '/home copied once, not kept in sync',
  );
});

t.test('a separate /home of another type: its mkfs is required before anything is written', async (t) => {
  const m = await oneDiskMachine(t, 'ext4', { home: 'xfs' });
  const blank = await blankDisk(t, m, 600);
  // Every program of the host but mkfs.xfs.
  const bin = join(m.root, 'bin');
  mkdirSync(bin);
  for (const dir of ['/usr/sbin', '/usr/bin'])
    for (const name of readdirSync(dir))
      if (name !== 'mkfs.xfs' && !existsSync(join(bin, name))) symlinkSync(join(dir, name), join(bin, name));
  const out = await run({ ...m.env, PATH: bin }, 'add', blank);
  t.equal(out.code, 1);
  t.match(out.stderr, /missing mkfs\.xfs \(Arch package xfsprogs\); nothing was written/);
  t.match(out.stderr, /pacman -S --needed xfsprogs/);
  t.equal(readFileSync(m.fstab, 'utf8'), m.fstabText, 'fstab unchanged');
  t.match((await execa('wipefs', ['-J', blank])).stdout, /"signatures": \[\s*\]/, 'still blank');
});
