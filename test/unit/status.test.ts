import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { espLinesWithoutNofail, parseFstab } from '../../src/core/fstab.js';
import { parseBtrfsDf, parseBtrfsShow, parseMdstat, unmirroredProfiles } from '../../src/core/raid.js';
import { formatPrometheus, statusExitCode, statusMetrics } from '../../src/core/status.js';
import { compareTrees, excludeMatcher, type TreeEntry } from '../../src/core/tree-compare.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8');

t.test('btrfs RAID1: real captures, healthy and with a device missing', async (t) => {
  t.match(parseBtrfsShow(fixture('btrfs-show-raid1.txt')), {
    kind: 'btrfs',
    devices: 2,
    missing: 0,
    detail: '2 of 2 devices present',
  });
  t.match(parseBtrfsShow(fixture('btrfs-show-missing.txt')), {
    devices: 2,
    missing: 1,
    detail: '1 of 2 devices present',
  });
  t.same(parseBtrfsDf(fixture('btrfs-df-raid1.txt')), {
    Data: ['RAID1'],
    System: ['RAID1'],
    Metadata: ['RAID1'],
    GlobalReserve: ['single'],
  });
  t.same(
    unmirroredProfiles(parseBtrfsDf(fixture('btrfs-df-raid1.txt'))),
    [],
    'RAID1 everywhere: nothing unmirrored',
  );
  // Captured after writing 60 MiB to a RAID1 mounted -o degraded with one device (btrfs-progs 6.2).
  const degraded = parseBtrfsDf(fixture('btrfs-df-degraded-writes.txt'));
  t.same(degraded.Data, ['single', 'RAID1']);
  t.same(
    unmirroredProfiles(degraded),
    ['Data: single'],
    'the single data chunks are named; GlobalReserve is not',
  );
  t.same(unmirroredProfiles({ Data: ['DUP'], Metadata: ['RAID1C3'], System: ['RAID10'] }), ['Data: DUP']);
  t.match(
    parseBtrfsShow(
      'Label: none\n\tTotal devices 2 FS bytes used 1\n\tdevid 1 size 1 used 1 path /dev/a\n\t*** Some devices missing\n',
    ),
    { missing: 1 },
  );
});

t.test('md RAID1 from /proc/mdstat, captured from a real md array (UEFI lab scenario 5)', async (t) => {
  // test/fixtures/mdstat-*.txt: `cat /proc/mdstat` in the lab's Debian 12 guest (kernel 6.1) around a
  // two-loop-device RAID1: healthy, one member failed and removed, re-added and rebuilding, rebuilt.
  t.same(parseMdstat(fixture('mdstat-healthy.txt'), '/dev/md127'), {
    kind: 'md',
    devices: 2,
    missing: 0,
    detail: '2 of 2 members active [UU]',
  });
  t.same(parseMdstat(fixture('mdstat-degraded.txt'), '/dev/md127'), {
    kind: 'md',
    devices: 2,
    missing: 1,
    detail: '1 of 2 members active [U_]',
  });
  t.same(parseMdstat(fixture('mdstat-rebuilding.txt'), '/dev/md127'), {
    kind: 'md',
    devices: 2,
    missing: 1,
    detail: '1 of 2 members active [U_]',
    rebuilding: 'recovery 6.3%',
  });
  t.same(parseMdstat(fixture('mdstat-rebuilt.txt'), '/dev/md127')?.missing, 0);
  t.equal(parseMdstat(fixture('mdstat-healthy.txt'), '/dev/md0'), undefined, 'another array: not listed');
  // Two arrays: each block ends at its blank line, so one without a status line never reads the next.
  const two = `Personalities : [raid1]\nmd1 : active raid1 sdb2[1] sda2[0]\n      5 blocks\n      \n${fixture('mdstat-degraded.txt').split('\n').slice(1).join('\n')}`;
  t.equal(parseMdstat(two, '/dev/md1'), undefined);
  t.match(parseMdstat(two, '/dev/md127'), { missing: 1 });
});

t.test('fstab: ESP lines without nofail are found; binds and other mounts are not', async (t) => {
  const entries = parseFstab(`# comment
UUID=1  /       btrfs  defaults 0 0
UUID=2  /efi0   vfat   umask=0077,nofail,x-systemd.device-timeout=10s 0 2
UUID=3  /efi1   vfat   umask=0077 0 2
/efi0   /boot   none   bind 0 0
UUID=4  /mnt/my\\040disk ext4 defaults 0 0
`);
  t.equal(entries.length, 5);
  t.equal(entries[4]!.target, '/mnt/my disk');
  t.same(
    espLinesWithoutNofail(entries, ['/efi0', '/efi1']).map((e) => [e.line, e.target]),
    [[4, '/efi1']],
  );
});

t.test('exclude patterns: the rsync subset dualroot documents', async (t) => {
  const ex = excludeMatcher(['/loader/random-seed', 'fstab', '*.tmp', 'entries/', '/a/b/']);
  t.ok(ex('loader/random-seed', false));
  t.notOk(ex('x/loader/random-seed', false), 'anchored at the root');
  t.ok(ex('fstab', false) && ex('etc/fstab', false), 'a name matches at any depth');
  t.notOk(ex('fstab.bak', false));
  t.ok(ex('a/x.tmp', false));
  t.ok(ex('loader/entries', true) && !ex('loader/entries', false), 'trailing / matches directories only');
  t.ok(ex('a/b', true));
});

t.test('tree comparison: differing, missing, extra; FAT time window; links on FAT ignored', async (t) => {
  const e = (size: number, mtime: number, type: TreeEntry['type'] = 'file', digest?: string): TreeEntry => ({
    type,
    size,
    mtime,
    ...(digest ? { digest } : {}),
  });
  const source = new Map([
    ['a', e(1, 100)],
    ['b', e(2, 100)],
    ['c', e(3, 100)],
    ['d', e(0, 0, 'dir')],
    ['l', e(0, 0, 'link')],
    ['h', e(4, 100, 'file', 'x')],
  ]);
  const destination = new Map([
    ['a', e(1, 101)],
    ['b', e(9, 100)],
    ['d', e(0, 50, 'dir')],
    ['z', e(1, 1)],
    ['h', e(4, 100, 'file', 'y')],
  ]);
  t.same(compareTrees(source, destination, { modifyWindow: 1, compareLinks: false }), {
    differing: ['b', 'h'],
    missing: ['c'],
    extra: ['z'],
  });
  t.same(compareTrees(source, destination, { modifyWindow: 0, compareLinks: true }), {
    differing: ['a', 'b', 'h'],
    missing: ['c', 'l'],
    extra: ['z'],
  });
});

t.test('exit code and Prometheus textfile', async (t) => {
  const checks = [
    { check: 'esps', subject: '/efi0', level: 'ok' as const, message: 'm' },
    { check: 'sync', subject: '/efi"1', level: 'problem' as const, message: 'm' },
  ];
  t.equal(statusExitCode(checks), 3);
  t.equal(statusExitCode([checks[0]!]), 0);
  const text = formatPrometheus(statusMetrics(checks, new Date(1_700_000_000_000)));
  t.match(text, /^# HELP dualroot_check_status .*\n# TYPE dualroot_check_status gauge\n/m);
  t.match(text, /^dualroot_check_status\{check="sync",subject="\/efi\\"1"\} 2$/m);
  t.match(text, /^dualroot_degraded 1$/m);
  t.match(text, /^dualroot_status_timestamp_seconds 1700000000$/m);
  t.equal(text.match(/# TYPE dualroot_check_status/g)?.length, 1, 'HELP/TYPE once per name');
});
