// The disk map on the real capture of two disks partitioned alike (test/fixtures/two-disks).
import t from 'tap';
import { parseBlkidExport } from '../../src/core/blkid.js';
import { buildDiskMap, partitionIds, translations } from '../../src/core/disk-map.js';
import { fixture } from '../helpers/disk-facts.js';
import { twoDiskMap, twoDiskPartitions } from '../helpers/two-disks.js';

t.test('two disks partitioned alike pair by position: ESP, root, LUKS', async (t) => {
  const map = twoDiskMap();
  t.same(
    map.pairs.map((p) => [p.source.device, p.destination.device, p.by]),
    [
      ['/dev/disk0p1', '/dev/disk1p1', 'position'],
      ['/dev/disk0p2', '/dev/disk1p2', 'position'],
      ['/dev/disk0p3', '/dev/disk1p3', 'position'],
    ],
  );
  t.same(map.unpaired, []);
  const luks = map.pairs[2]!;
  t.equal(luks.source.fsType, 'crypto_LUKS');
  t.equal(luks.source.fsUuid, 'e4c36c7c-7fd4-48bf-ab5a-0ec54039b2c3');
  t.equal(luks.destination.fsUuid, '05bb3bb4-d4e8-4009-9a44-fc0bff2e9de0');
});

t.test('identical labels are not identifiers; unique ones are', async (t) => {
  const root0 = twoDiskPartitions().find((p) => p.device === '/dev/disk0p2')!;
  t.equal(root0.label, undefined, 'both roots are LABEL=root');
  t.equal(root0.partLabel, undefined, 'both roots are PARTLABEL=root');
  t.same(root0.sharedLabels, ['LABEL=root', 'PARTLABEL=root']);
  const esp0 = twoDiskPartitions().find((p) => p.device === '/dev/disk0p1')!;
  t.equal(esp0.label, 'ESP0');
  const table = translations(twoDiskMap());
  t.same(table.get('label:ESP0'), { to: 'ESP1' });
  t.same(table.get('label:ESP1'), { to: 'ESP0' }, 'both ways');
  t.same(table.get('partlabel:cryptdata0'), { to: 'cryptdata1' });
  t.match(table.get('label:root'), { problem: /more than one partition.*UUID=/ });
});

t.test('translations go both ways, UUIDs of every kind', async (t) => {
  const table = translations(twoDiskMap());
  t.same(table.get('uuid:40d0cff7-bcad-4511-a7a9-7ba1ac40db1d'), {
    to: '66653333-8bf4-4b06-9800-6019bcdce8a6',
  });
  t.same(table.get('uuid:66653333-8bf4-4b06-9800-6019bcdce8a6'), {
    to: '40d0cff7-bcad-4511-a7a9-7ba1ac40db1d',
  });
  t.same(table.get('uuid:b3e94144-c47b-5545-84c3-a161cea814f1'), {
    to: '50bfa034-6482-494f-bbf3-d4724795ede5',
  });
  t.same(table.get('uuid:4b8b-960b'), { to: '4b94-cb50' });
});

t.test('a partition with no counterpart, and a [disk-map] pair that supplies one', async (t) => {
  // Disk 1's third partition typed otherwise: position alone must not pair it.
  const partitions = twoDiskPartitions().map((p) =>
    p.device === '/dev/disk1p3' ? { ...p, partType: '933ac7e1-2eb4-4f13-b844-0e14e2aef915' } : p,
  );
  const map = buildDiskMap(partitions, '/dev/disk0', '/dev/disk1');
  t.equal(map.pairs.length, 2);
  t.same(
    map.unpaired.map((u) => u.partition.device),
    ['/dev/disk0p3', '/dev/disk1p3'],
  );
  t.match(map.unpaired[0]!.reason, /another partition type.*\[disk-map\] pairs/);
  t.match(translations(map).get('uuid:e4c36c7c-7fd4-48bf-ab5a-0ec54039b2c3'), {
    problem: /disk0p3 has no counterpart/,
  });
  // Either order of the two PARTUUIDs, any case.
  const paired = buildDiskMap(partitions, '/dev/disk0', '/dev/disk1', [
    ['3E9AB42B-CC28-C04E-A8A9-12064C11C65E', '6ac54cfb-f548-7740-bfb2-2ee11824461a'],
  ]);
  t.same(paired.unpaired, []);
  t.match(
    paired.pairs.find((p) => p.by === 'config'),
    {
      source: { device: '/dev/disk0p3' },
      destination: { device: '/dev/disk1p3' },
    },
  );
  const missing = buildDiskMap(
    twoDiskPartitions().filter((p) => p.device !== '/dev/disk1p3'),
    '/dev/disk0',
    '/dev/disk1',
  );
  t.match(missing.unpaired, [
    { partition: { device: '/dev/disk0p3' }, reason: '/dev/disk1 has no partition 3' },
  ]);
});

t.test(
  'a counterpart with no filesystem yet (a disk being added or replaced): its FS UUID is left as it is',
  async (t) => {
    // Disk 1's root partition blank, as between sfdisk and `btrfs replace` in dualroot-disk replace.
    const partitions = twoDiskPartitions().map((p) =>
      p.device === '/dev/disk1p2' ? { ...p, fsUuid: undefined, fsType: undefined } : p,
    );
    const root0 = partitions.find((p) => p.device === '/dev/disk0p2')!;
    t.ok(root0.fsUuid, 'the source root has a filesystem UUID');
    const table = translations(buildDiskMap(partitions, '/dev/disk0', '/dev/disk1'));
    t.equal(table.get(`uuid:${root0.fsUuid!.toLowerCase()}`), undefined, 'no translation and no problem');
    t.same(table.get(`uuid:${root0.partUuid}`), {
      to: partitions.find((p) => p.device === '/dev/disk1p2')!.partUuid,
    });
    // A counterpart that has a filesystem but lacks the identifier is still a problem (the LUKS pair keeps its UUIDs).
    const luks = partitions.map((p) => (p.device === '/dev/disk1p3' ? { ...p, fsUuid: undefined } : p));
    t.match(
      translations(buildDiskMap(luks, '/dev/disk0', '/dev/disk1')).get(
        'uuid:e4c36c7c-7fd4-48bf-ab5a-0ec54039b2c3',
      ),
      {
        problem: /has no FS of its own/,
      },
    );
  },
);

t.test(
  "a filesystem UUID that a third disk's partition also has is a RAID's: never translated",
  async (t) => {
    // The capture's disk 0 root (ext4 40d0cff7-…) as if it were one member of a RAID1 whose other
    // member is on a third disk: dualroot's ESP on disk 1 (scenario 8's loop over dm) is neither.
    const third = { device: '/dev/disk2p2', disk: '/dev/disk2', number: 2, majorMinor: '259:22' };
    const base = twoDiskPartitions().map(({ device, disk, number, majorMinor }) => ({
      device,
      disk,
      number,
      majorMinor,
    }));
    const blkid = `${fixture('two-disks/blkid-p-export.txt')}\nDEVNAME=/dev/disk2p2\nUUID=40d0cff7-bcad-4511-a7a9-7ba1ac40db1d\nTYPE=ext4\n`;
    const parts = partitionIds([...base, third], parseBlkidExport(blkid));
    t.equal(parts.find((p) => p.device === '/dev/disk0p2')?.fsUuid, undefined, 'not an identifier of disk 0');
    const table = translations(buildDiskMap(parts, '/dev/disk0', '/dev/disk1'));
    t.equal(
      table.get('uuid:40d0cff7-bcad-4511-a7a9-7ba1ac40db1d'),
      undefined,
      'left as it is, not a problem',
    );
    t.same(table.get('uuid:4b8b-960b'), { to: '4b94-cb50' }, "the ESP's own UUID still translated");
  },
);
