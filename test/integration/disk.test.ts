// dualroot-disk on loop devices: the plan changes nothing; add partitions, formats and edits
// fstab for real, stops where the host cannot go on (no vfat to mount) with what was done, and a
// rerun checks those steps instead of redoing them.
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import t from 'tap';
import { main as disk } from '../../src/cli/disk.js';
import { blankDisk, oneDiskMachine } from '../helpers/disk-sim.js';
import { runProgram } from '../helpers/sim.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(disk, 'dualroot-disk', argv, env);
const signatures = async (device: string) => (await execa('wipefs', ['-J', device])).stdout;
const table = async (device: string) =>
  JSON.parse((await execa('sfdisk', ['-J', device])).stdout).partitiontable;

t.test('plan and --test print every step and change nothing', async (t) => {
  const m = await oneDiskMachine(t);
  const blank = await blankDisk(t, m, 256);
  for (const argv of [
    ['plan', 'add', blank],
    ['add', '--test', blank],
  ]) {
    const out = await run(m.env, ...argv);
    t.equal(out.code, 0, out.stderr);
    t.match(out.stdout, `dualroot-disk add ${blank}: 9 of 9 steps to do`);
    t.match(
      out.stdout,
      new RegExp(`sfdisk ${blank} <<'EOF'\\n\\s+label: gpt\\n\\s+start=2048, size=65536, type=C12A7328`),
    );
    t.match(out.stdout, `append to ${m.fstab}: PARTUUID=`);
    t.match(out.stdout, `btrfs device add ${blank}p2 ${m.env.DUALROOT_ROOT}`);
    t.match(out.stdout, 'note: the booted ESP has no systemd-boot');
  }
  const json = JSON.parse((await run(m.env, 'plan', 'add', blank, '--json')).stdout);
  t.equal(json.espMount, `${m.root}/efi1`);
  t.equal(json.steps[0].id, 'partition');
  t.match(await signatures(blank), /"signatures": \[\s*\]/, 'still blank');
  t.equal(readFileSync(m.fstab, 'utf8'), m.fstabText, 'fstab unchanged');
});

t.test(
  'add: partitions, formats, writes fstab, stops at the mount; a rerun does not redo them',
  async (t) => {
    const m = await oneDiskMachine(t);
    const blank = await blankDisk(t, m, 256);
    const first = await run(m.env, 'add', blank);
    t.equal(first.code, 1, 'the host cannot mount FAT: the run stops there');
    t.match(first.stdout, '==> step 1/9: partition');
    t.match(first.stdout, `==> step 4/9: ${m.fstab}: mount the new ESP at ${m.root}/efi1`);
    t.match(
      first.stderr,
      /step 5\/9 \(mount the new ESP at .*\) failed: mount -t vfat .* failed .*; done: partition, partx, mkfs-esp, fstab; not done: mount, sync, entries, root, balance/,
    );
    t.match(first.stderr, `fix: fix the cause, then run dualroot-disk add ${blank} again`);

    const booted = await table(m.disk.loop);
    const made = await table(blank);
    t.same(
      made.partitions.map((p: { start: number; type: string }) => [p.start, p.type]),
      booted.partitions.map((p: { start: number; type: string }) => [p.start, p.type]),
      "the booted disk's starts and types",
    );
    t.equal(made.partitions[0].size, booted.partitions[0].size, 'the same ESP size');
    t.ok(made.partitions[1].size > booted.partitions[1].size, 'the root takes the rest of the bigger disk');
    t.not(made.partitions[0].uuid, booted.partitions[0].uuid, 'new GUIDs');
    t.match((await execa('blkid', ['-p', '-o', 'value', '-s', 'TYPE', `${blank}p1`])).stdout, 'vfat');
    const fstab = readFileSync(m.fstab, 'utf8');
    t.equal(fstab.slice(0, m.fstabText.length), m.fstabText, 'the old lines kept');
    t.match(fstab, `PARTUUID=${made.partitions[0].uuid.toLowerCase()}  ${m.root}/efi1  vfat  rw,relatime,`);
    t.match(fstab, /nofail,x-systemd\.device-timeout=10s,x-systemd\.before=dualroot-bind\.service {2}0 2\n$/);
    t.equal(readFileSync(`${m.fstab}.before-dualroot-disk`, 'utf8'), m.fstabText, 'the original kept aside');

    const again = await run(m.env, 'add', blank);
    t.equal(again.code, 1);
    t.match(again.stdout, `dualroot-disk add ${blank}: 5 of 9 steps to do`);
    t.match(
      again.stdout,
      /1\. \[done\] partition.*\n\s+2\. \[done\].*\n\s+3\. \[done\] format.*\n\s+4\. \[done\]/,
    );
    t.notMatch(again.stdout, '==> step 1/9', 'not partitioned again');
    t.match(again.stdout, '==> step 5/9: mount');
    t.same((await table(blank)).partitions, made.partitions, 'the same table, the same GUIDs');
    t.equal(readFileSync(m.fstab, 'utf8'), fstab, 'the fstab line not added twice');
  },
);

t.test('refusals on real devices: exit code, what was found, nothing written', async (t) => {
  const m = await oneDiskMachine(t);
  const blank = await blankDisk(t, m, 256);
  const small = await blankDisk(t, m, 64);
  const cases: [string[], number, RegExp | string][] = [
    [['add', `${m.disk.loop}p1`], 2, `${m.disk.loop}p1 is a partition of ${m.disk.loop}, not a whole disk`],
    [['add', m.disk.loop], 2, `${m.disk.loop} is the booted disk`],
    [['add', small], 1, /64\.0 MiB, smaller than the 193\.0 MiB the booted disk's partitions need/],
    [['add', '/dev/nonexistent'], 2, '/dev/nonexistent does not exist'],
    [['replace', blank], 1, /nothing is missing: the root \(btrfs .*\) has 1 of 1 devices present/],
    [['frobnicate', blank], 2, /Unknown argument|unknown command/],
  ];
  for (const [argv, code, message] of cases) {
    const out = await run(m.env, ...argv);
    t.equal(out.code, code, `${argv.join(' ')}: ${out.stderr}`);
    t.match(out.stderr, message);
  }
  await execa('sfdisk', ['-q', blank], { input: 'label: gpt\nsize=8MiB\n' });
  const used = await run(m.env, 'add', blank);
  t.equal(used.code, 1);
  t.match(used.stderr, `${blank} is not blank: wipefs lists gpt at 0x200`);
  t.match(used.stderr, `fix: if ${blank} is really the new disk, erase it first: wipefs -a ${blank}`);
  t.equal(readFileSync(m.fstab, 'utf8'), m.fstabText, 'fstab unchanged');
  t.match(await signatures(small), /"signatures": \[\s*\]/, 'the small disk still blank');

  const noFat = { ...m.env, PATH: '/nowhere' };
  const tools = await run(noFat, 'add', small);
  t.equal(tools.code, 1);
  t.match(
    tools.stderr,
    /missing sfdisk \(Arch package util-linux\).*mkfs\.fat \(Arch package dosfstools\).*btrfs \(Arch package btrfs-progs\).*efibootmgr \(Arch package efibootmgr\)/,
  );
});
