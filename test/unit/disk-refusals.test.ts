// dualroot-disk's refusals: each names what it found, usage errors exit 2, the rest 1.
import t, { type Test } from 'tap';
import type { DiskFacts } from '../../src/core/disk-facts.js';
import { planDisk } from '../../src/core/disk-plan.js';
import { refuseMissingTools, requiredTools } from '../../src/core/disk-refusals.js';
import { FailureError, UsageError } from '../../src/core/errors.js';
import { parseWipefsJson } from '../../src/core/wipefs.js';
import {
  ADDED_TABLE,
  BOOTED_FSTAB_LINE,
  btrfsRoot,
  degradedBtrfsRoot,
  diskFacts,
  fixture,
  mdRoot,
  partitionedTarget,
} from '../helpers/disk-facts.js';

/** Plans and expects a refusal of that class whose message matches. */
function refused(t: Test, facts: DiskFacts, kind: typeof FailureError | typeof UsageError, message: RegExp) {
  t.throws(() => planDisk(facts), kind);
  t.throws(() => planDisk(facts), { message });
  try {
    planDisk(facts);
  } catch (error) {
    t.match((error as Error).message, /nothing was written/);
  }
}

const target = (over: Partial<DiskFacts['target']>) => ({ ...diskFacts().target, ...over });

t.test('the wrong device: a partition, the booted disk, one holding the root (exit 2)', async (t) => {
  refused(
    t,
    diskFacts({ target: target({ partitionOf: '/dev/loop1' }) }),
    UsageError,
    /is a partition of \/dev\/loop1/,
  );
  refused(
    t,
    diskFacts({ target: target({ device: '/dev/loop0' }) }),
    UsageError,
    /\/dev\/loop0 is the booted disk/,
  );
  const root = btrfsRoot('disk/btrfs-show-raid1.txt', 'btrfs-df-raid1.txt');
  refused(
    t,
    diskFacts({
      command: 'replace',
      root,
      target: target({ device: '/dev/loop1', partitions: ['/dev/loop1p2'] }),
    }),
    UsageError,
    /holds the root's \/dev\/loop1p2/,
  );
  t.equal(new UsageError('x').exitCode, 2);
});

t.test('a disk in use or not blank (exit 1), naming what was found', async (t) => {
  refused(
    t,
    diskFacts({ target: target({ mounts: [{ device: '/dev/loop1p1', mount: '/mnt' }] }) }),
    FailureError,
    /holds a mounted filesystem \(\/dev\/loop1p1 at \/mnt\)/,
  );
  refused(t, diskFacts({ target: target({ holders: ['dm-0'] }) }), FailureError, /in use by dm-0/);
  const sigs = parseWipefsJson(fixture('disk/wipefs-J-table.json'));
  refused(
    t,
    diskFacts({ target: target({ signatures: sigs }) }),
    FailureError,
    /not blank: wipefs lists gpt at 0x200, gpt at 0x257ffe00, PMBR at 0x1fe/,
  );
  refused(
    t,
    diskFacts({ target: target({ sizeBytes: 300 * 1024 * 1024 }) }),
    FailureError,
    /300\.0 MiB, smaller than the 599\.0 MiB/,
  );
  refused(t, diskFacts({ target: target({ sectorSize: 4096 }) }), FailureError, /4096-byte sectors/);
});

t.test('a disk partitioned like ours but with a foreign filesystem is not resumed', async (t) => {
  const base = diskFacts();
  const foreign = partitionedTarget(base);
  foreign.probes = foreign.probes.map((p) =>
    p.device === '/dev/loop1p2' ? { ...p, fsUuid: 'another-fs' } : p,
  );
  refused(t, diskFacts({ target: foreign }), FailureError, /not blank/);
  const other = partitionedTarget(base);
  other.table = { ...ADDED_TABLE, partitions: ADDED_TABLE.partitions.slice(0, 1) };
  refused(t, diskFacts({ target: other }), FailureError, /not blank/);
});

t.test('a mounted new ESP is allowed only where a previous run mounted it', async (t) => {
  const base = diskFacts();
  const espUuid = ADDED_TABLE.partitions[0]!.uuid;
  const fstab = `${BOOTED_FSTAB_LINE}PARTUUID=${espUuid} /efi1 vfat rw 0 2\n`;
  const at = (mount: string) =>
    diskFacts({ target: { ...partitionedTarget(base), mounts: [{ device: '/dev/loop1p1', mount }] } }, fstab);
  t.doesNotThrow(() => planDisk(at('/efi1')));
  refused(t, at('/mnt'), FailureError, /mounted filesystem \(\/dev\/loop1p1 at \/mnt\)/);
});

t.test('the machine is not in the state the command is for', async (t) => {
  refused(
    t,
    // A third disk: loop1p2 is the second member here.
    diskFacts({
      root: btrfsRoot('disk/btrfs-show-raid1.txt', 'btrfs-df-raid1.txt'),
      target: target({ device: '/dev/loop2' }),
    }),
    FailureError,
    /already complete on 2 devices/,
  );
  refused(
    t,
    diskFacts({ root: degradedBtrfsRoot() }),
    FailureError,
    /misses a device \(1 of 2 devices present\)/,
  );
  t.throws(() => planDisk(diskFacts({ root: degradedBtrfsRoot() })), {
    message: /that is a replacement/,
    hint: 'dualroot-disk replace DEVICE',
  });
  refused(
    t,
    diskFacts({ command: 'replace' }),
    FailureError,
    /nothing is missing: the root \(btrfs \/\) has 1 of 1/,
  );
  refused(
    t,
    diskFacts({
      command: 'replace',
      root: mdRoot('mdstat-healthy.txt'),
      target: target({ device: '/dev/loop2' }),
    }),
    FailureError,
    /nothing is missing.*md \/dev\/md127/,
  );
  const plain = { kind: 'other', mount: '/', source: '/dev/loop0p2' } as const;
  refused(
    t,
    diskFacts({ root: { ...plain, fsType: 'f2fs' } }),
    FailureError,
    /the root \/ is f2fs on \/dev\/loop0p2: dualroot-disk add makes a second root of ext4 or xfs only/,
  );
  refused(
    t,
    diskFacts({ command: 'replace', root: { ...plain, fsType: 'ext4' } }),
    FailureError,
    /one root per disk \(approach 2\): dualroot-disk replace rebuilds a RAID1 root only/,
  );
  refused(
    t,
    diskFacts({ root: { ...plain, fsType: 'ext4', source: '/dev/mapper/root' } }),
    FailureError,
    /the root \/ is ext4 on \/dev\/mapper\/root, a device-mapper device \(LUKS or LVM\): dualroot-disk add makes plain partitions only/,
  );
  const item = { name: 'etc', source: '/etc', destinations: ['/mnt/root1/etc'], exclude: [] };
  refused(
    t,
    diskFacts({ syncItems: [item] }),
    FailureError,
    /has \[sync:NAME\] items \(approach 2: two roots\), but the root \/ is a btrfs RAID1/,
  );
  refused(
    t,
    diskFacts({ root: { ...plain, fsType: 'ext4' }, syncItems: [{ ...item, destinations: ['/srv/x'] }] }),
    FailureError,
    /already has \[sync:NAME\] items \(\[sync:etc\] → \/srv\/x\): this machine has two roots already/,
  );
  refused(
    t,
    diskFacts({ bootedMount: undefined }),
    FailureError,
    /booted ESP \/dev\/loop0p1 .* is not mounted/,
  );
  const elsewhere = btrfsRoot('disk/btrfs-show-single.txt', 'disk/btrfs-df-single.txt');
  if (elsewhere.kind === 'btrfs') elsewhere.devices = [{ devid: 1, path: '/dev/sdz2' }];
  refused(t, diskFacts({ root: elsewhere }), FailureError, /\(\/dev\/sdz2\) are not on the booted disk/);
});

t.test('missing tools are named with their Arch package', async (t) => {
  t.same(requiredTools('btrfs', true, true), [
    'sfdisk',
    'partx',
    'wipefs',
    'blkid',
    'mkfs.fat',
    'bootctl',
    'btrfs',
    'efibootmgr',
  ]);
  t.same(requiredTools('md', false, false), ['sfdisk', 'partx', 'wipefs', 'blkid', 'mkfs.fat', 'mdadm']);
  t.doesNotThrow(() => refuseMissingTools(['sfdisk'], ['sfdisk']));
  t.throws(() => refuseMissingTools(['sfdisk', 'mkfs.fat', 'btrfs', 'partx'], ['sfdisk']), {
    message:
      'missing mkfs.fat (Arch package dosfstools), btrfs (Arch package btrfs-progs), partx (Arch package util-linux); nothing was written',
    hint: 'pacman -S --needed dosfstools btrfs-progs util-linux',
  });
});
