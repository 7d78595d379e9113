// Parsers and text edits behind dualroot-disk, on captured sfdisk, wipefs, btrfs and mdstat output.
import t from 'tap';
import { appendFstabLines, replaceFstabSource } from '../../src/core/fstab-edit.js';
import { parseBtrfsDevices, parseMdMembers } from '../../src/core/raid.js';
import { parseSfdiskJson, partitionNode, sfdiskScript } from '../../src/core/sfdisk.js';
import { parseWipefsJson } from '../../src/core/wipefs.js';
import { fixture } from '../helpers/disk-facts.js';

t.test('sfdisk -J: the booted disk of the captures', async (t) => {
  const table = parseSfdiskJson(fixture('disk/sfdisk-J-booted.json'));
  t.match(table, { label: 'gpt', device: '/dev/loop0', sectorSize: 512 });
  t.same(table.partitions[1], {
    node: '/dev/loop0p2',
    number: 2,
    start: 133120,
    size: 1093632,
    type: '0fc63daf-8483-4772-8e79-3d69d8477de4',
    uuid: '0d7c9c67-fddd-7d4f-b0c7-9db5b6a61bac',
  });
  t.throws(() => parseSfdiskJson('{}'), /no partition table/);
});

t.test('partition nodes and the sfdisk script', async (t) => {
  t.equal(partitionNode('/dev/sdb', 2), '/dev/sdb2');
  t.equal(partitionNode('/dev/nvme1n1', 1), '/dev/nvme1n1p1');
  t.equal(partitionNode('/dev/loop3', 2), '/dev/loop3p2');
  t.equal(
    sfdiskScript([
      { start: 2048, size: 10, type: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', uuid: 'ab', name: 'E"SP' },
      { start: 4096, type: 'x', uuid: 'cd' },
    ]),
    'label: gpt\nstart=2048, size=10, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=AB, name="ESP"\nstart=4096, type=X, uuid=CD\n',
  );
});

t.test('wipefs -J: a partitioned disk, a blank one', async (t) => {
  t.same(
    parseWipefsJson(fixture('disk/wipefs-J-table.json')).map((s) => s.type),
    ['gpt', 'gpt', 'PMBR'],
  );
  t.same(parseWipefsJson(fixture('disk/wipefs-J-blank.json')), []);
  t.same(parseWipefsJson(''), []);
});

t.test('btrfs filesystem show: devids and paths, a missing one', async (t) => {
  t.same(parseBtrfsDevices(fixture('disk/btrfs-show-single.txt')), [{ devid: 1, path: '/dev/loop0p2' }]);
  t.same(parseBtrfsDevices(fixture('disk/btrfs-show-added.txt')), [
    { devid: 1, path: '/dev/loop0p2' },
    { devid: 2, path: '/dev/loop1p2' },
  ]);
  t.same(parseBtrfsDevices(fixture('btrfs-show-missing.txt')), [
    { devid: 1, path: '/dev/loop0' },
    { devid: 2, path: undefined },
  ]);
});

t.test('/proc/mdstat members: degraded, rebuilding, failed', async (t) => {
  t.same(parseMdMembers(fixture('mdstat-degraded.txt'), '/dev/md127'), [
    { device: '/dev/loop0', failed: false },
  ]);
  t.same(
    parseMdMembers(fixture('mdstat-rebuilding.txt'), '/dev/md127').map((m) => m.device),
    ['/dev/loop1', '/dev/loop0'],
  );
  const failed = fixture('mdstat-healthy.txt').replace('loop1[1]', 'loop1[1](F)');
  t.same(parseMdMembers(failed, 'md127')[0], { device: '/dev/loop1', failed: true });
  t.same(parseMdMembers(fixture('mdstat-healthy.txt'), '/dev/md0'), []);
});

t.test('fstab edits: append keeps the text, replace changes only the source of that line', async (t) => {
  t.equal(appendFstabLines('a b c d 0 0', ['x']), 'a b c d 0 0\nx\n');
  t.equal(appendFstabLines('', ['x', 'y']), 'x\ny\n');
  const text = '# c\nPARTUUID=old  /efi1  vfat  rw,nofail  0 2\n';
  t.equal(
    replaceFstabSource(text, 'f', 2, 'PARTUUID=old', 'PARTUUID=new'),
    '# c\nPARTUUID=new  /efi1  vfat  rw,nofail  0 2\n',
  );
  t.throws(() => replaceFstabSource(text, '/etc/fstab', 1, 'PARTUUID=old', 'PARTUUID=new'), {
    message:
      '/etc/fstab line 1 changed since it was read (expected it to start with PARTUUID=old): not edited',
  });
});
