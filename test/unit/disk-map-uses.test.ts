// The disk maps dualroot-esp shows, on the real capture of two disks (test/fixtures/two-disks):
// which destinations use them, and every identifier pair printed (text and JSON).
import t from 'tap';
import { diskMapJson, diskMapLines } from '../../src/cli/esp-map.js';
import { diskMapUses } from '../../src/core/disk-map-uses.js';
import type { MountEntry } from '../../src/core/mountinfo.js';
import { twoDiskPartitions } from '../helpers/two-disks.js';

/** The capture mounted as an approach-2 machine: disk 0's ESP and root booted, disk 1's beside them. */
const mounts: MountEntry[] = [
  ['/', '259:2'],
  ['/efi0', '259:1'],
  ['/efi1', '259:11'],
  ['/mnt/root1', '259:12'],
  ['/tmp', '0:40'],
].map(([mountPoint, majorMinor], i) => ({
  id: i + 1,
  parentId: 1,
  majorMinor: majorMinor!,
  root: '/',
  mountPoint: mountPoint!,
  options: 'rw',
  fsType: 'ext4',
  source: 'x',
}));

const jobs = [
  { item: 'esp', source: '/efi0', destination: '/efi1' },
  { item: 'etc', source: '/etc', destination: '/mnt/root1/etc' },
  { item: 'usr', source: '/usr', destination: '/efi0/usr-on-the-same-disk' },
  { item: 'tmp', source: '/tmp', destination: '/mnt/root1/tmp' },
];

t.test('one map per pair of disks, with the destinations that cross between them', async (t) => {
  const uses = diskMapUses(jobs, mounts, twoDiskPartitions(), []);
  t.equal(uses.length, 1, 'a copy within one disk and one from a tmpfs use no map');
  t.same(
    uses[0]!.destinations.map((d) => d.item),
    ['esp', 'etc'],
  );
  t.match(uses[0]!.map, { sourceDisk: '/dev/disk0', destinationDisk: '/dev/disk1' });
  const back = diskMapUses(
    [{ item: 'back', source: '/mnt/root1/x', destination: '/x' }],
    mounts,
    twoDiskPartitions(),
    [],
  );
  t.match(back[0]!.map, { sourceDisk: '/dev/disk1', destinationDisk: '/dev/disk0' }, 'the other way round');
});

t.test('text: every pair with how it was paired and each identifier old → new', async (t) => {
  const lines = diskMapLines(diskMapUses(jobs, mounts, twoDiskPartitions(), []));
  t.equal(
    lines[0],
    'disk map /dev/disk0 → /dev/disk1, used by esp (/efi0 → /efi1), etc (/etc → /mnt/root1/etc):',
  );
  const text = lines.join('\n');
  t.match(
    text,
    '  partition 2 → partition 2 (/dev/disk0p2 → /dev/disk1p2), paired by partition number and type 4f68bce3-e8cd-4db1-96e7-fbcaf984b709\n' +
      '    PARTUUID   b3e94144-c47b-5545-84c3-a161cea814f1 → 50bfa034-6482-494f-bbf3-d4724795ede5\n' +
      '    UUID       40d0cff7-bcad-4511-a7a9-7ba1ac40db1d → 66653333-8bf4-4b06-9800-6019bcdce8a6\n',
  );
  t.match(text, /LABEL {6}root → root {2}\(not unique on this machine, so not translated/);
  t.match(text, '    LUKS UUID  e4c36c7c-7fd4-48bf-ab5a-0ec54039b2c3 → 05bb3bb4-d4e8-4009-9a44-fc0bff2e9de0');
  t.match(text, '    PARTLABEL  cryptdata0 → cryptdata1');
  t.match(text, '    LABEL      ESP0 → ESP1');
  t.match(text, '    UUID       4B8B-960B → 4B94-CB50');
  t.notMatch(text, 'no counterpart');
  t.same(diskMapLines([]), ['disk maps: none (no destination is on another disk than its source)']);
});

t.test('a [disk-map] pair and an unpaired partition, in text and JSON', async (t) => {
  // Disk 1's third partition typed otherwise: position alone does not pair it.
  const partitions = twoDiskPartitions().map((p) =>
    p.device === '/dev/disk1p3' ? { ...p, partType: '933ac7e1-2eb4-4f13-b844-0e14e2aef915' } : p,
  );
  const unpaired = diskMapUses(jobs, mounts, partitions, []);
  const text = diskMapLines(unpaired).join('\n');
  t.match(
    text,
    /^ {2}\/dev\/disk0p3 \(partition 3 of \/dev\/disk0\): no counterpart, partition 3 of \/dev\/disk1 \(\/dev\/disk1p3\) has another partition type .*; a file naming it is not copied$/m,
  );
  t.match(diskMapJson(unpaired[0]!).unpaired, [
    {
      disk: '/dev/disk0',
      device: '/dev/disk0p3',
      partition: 3,
      uuidOf: 'luks',
      reason: /another partition type/,
    },
    { disk: '/dev/disk1', device: '/dev/disk1p3' },
  ]);
  const paired = diskMapUses(jobs, mounts, partitions, [
    ['6ac54cfb-f548-7740-bfb2-2ee11824461a', '3e9ab42b-cc28-c04e-a8a9-12064c11c65e'],
  ]);
  t.match(diskMapLines(paired).join('\n'), '(/dev/disk0p3 → /dev/disk1p3), paired by [disk-map] pairs');
  const json = diskMapJson(paired[0]!);
  t.same(json.unpaired, []);
  t.same(
    json.pairs.map((p) => [p.source.partition, p.destination.partition, p.by]),
    [
      [1, 1, 'position'],
      [2, 2, 'position'],
      [3, 3, 'config'],
    ],
  );
  t.same(json.pairs[0]!.source, {
    device: '/dev/disk0p1',
    partition: 1,
    partuuid: '04e5e3c2-29a9-484e-9947-561ed37ad1f0',
    uuid: '4B8B-960B',
    uuidOf: 'filesystem',
    fstype: 'vfat',
    parttype: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
    label: 'ESP0',
    partlabel: null,
    sharedLabels: ['PARTLABEL=ESP'],
  });
  t.same(json.pairs[1]!.destination.sharedLabels, ['LABEL=root', 'PARTLABEL=root']);
});
