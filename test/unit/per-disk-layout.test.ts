// Entries naming no root on a Discoverable Partitions layout, and fstab mounts of the other disk
// without nofail, on the real capture of two disks (test/fixtures/two-disks: roots typed 4f68bce3).
import t from 'tap';
import { buildDiskMap, identifiersOf } from '../../src/core/disk-map.js';
import {
  bootsWithoutRoot,
  discoverableRoots,
  mountsWithoutNofail,
  ROOT_X86_64_TYPE,
} from '../../src/core/per-disk-layout.js';
import { twoDiskMap, twoDiskPartitions } from '../helpers/two-disks.js';

t.test(
  'an entry that boots Linux with no root= is a gpt-auto entry; one naming root= or no kernel is not',
  async (t) => {
    t.ok(
      bootsWithoutRoot('title Arch\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions rw quiet\n'),
    );
    t.ok(bootsWithoutRoot('title Arch\nlinux /vmlinuz-linux\n'), 'no options at all');
    t.ok(
      bootsWithoutRoot('linux /vmlinuz-linux\n# options root=UUID=x\noptions rw\n'),
      'a commented root= is none',
    );
    t.notOk(
      bootsWithoutRoot('linux /vmlinuz-linux\noptions rw\noptions root=PARTUUID=abc\n'),
      'root= on a second line',
    );
    t.notOk(bootsWithoutRoot('linux\t/vmlinuz\noptions\troot=/dev/sda2 rw\n'), 'tab-separated');
    t.notOk(bootsWithoutRoot('title Memtest\nefi /memtest86.efi\n'), 'not a Linux entry');
    t.notOk(bootsWithoutRoot('title Arch\n'), 'no kernel');
    t.ok(
      bootsWithoutRoot('linux /vmlinuz\noptions rd.root=x myroot=y\n'),
      'root= only as part of another word',
    );
  },
);

t.test('the discoverable roots of each disk of the capture', async (t) => {
  const map = twoDiskMap();
  t.same(
    discoverableRoots(map, '/dev/disk1').map((p) => p.device),
    ['/dev/disk1p2'],
  );
  t.same(
    discoverableRoots(map, '/dev/disk0').map((p) => p.device),
    ['/dev/disk0p2'],
  );
  t.equal(ROOT_X86_64_TYPE, twoDiskPartitions().find((p) => p.device === '/dev/disk0p2')!.partType);
  // Disk 1's root typed "Linux filesystem", as a disk partitioned by hand often is.
  const plain = twoDiskPartitions().map((p) =>
    p.device === '/dev/disk1p2' ? { ...p, partType: '0FC63DAF-8483-4772-8E79-3D69D8477DE4' } : p,
  );
  t.same(discoverableRoots(buildDiskMap(plain, '/dev/disk0', '/dev/disk1'), '/dev/disk1'), []);
});

t.test(
  "fstab lines mounting the other disk's partitions without nofail, by every kind of identifier",
  async (t) => {
    const disk1 = identifiersOf(twoDiskMap(), '/dev/disk1');
    const fstab = [
      'UUID=40d0cff7-bcad-4511-a7a9-7ba1ac40db1d / ext4 rw 0 1',
      'UUID=66653333-8bf4-4b06-9800-6019bcdce8a6 /mnt/root1 ext4 rw 0 2',
      'PARTUUID=949738cb-a8ce-8e4e-b1c9-06be8b72f873 /efi1 vfat rw,nofail 0 2',
      'LABEL=ESP1 /efi1b vfat rw 0 2',
      '/dev/disk/by-uuid/66653333-8bf4-4b06-9800-6019bcdce8a6 /mnt/again ext4 defaults 0 2',
      '# UUID=66653333-8bf4-4b06-9800-6019bcdce8a6 /old ext4 rw 0 2',
      'tmpfs /tmp tmpfs x-systemd.requires=/dev/disk/by-uuid/66653333-8bf4-4b06-9800-6019bcdce8a6 0 0',
      'PARTUUID=04e5e3c2-29a9-484e-9947-561ed37ad1f0 /efi0 vfat rw 0 2',
      '',
    ].join('\n');
    t.same(mountsWithoutNofail(fstab, disk1), [
      {
        line: 2,
        reference: '66653333-8bf4-4b06-9800-6019bcdce8a6',
        owner: '/dev/disk1p2',
        target: '/mnt/root1',
      },
      { line: 4, reference: 'LABEL=ESP1', owner: '/dev/disk1p1', target: '/efi1b' },
      {
        line: 5,
        reference: '66653333-8bf4-4b06-9800-6019bcdce8a6',
        owner: '/dev/disk1p2',
        target: '/mnt/again',
      },
    ]);
    t.same(
      mountsWithoutNofail(fstab, identifiersOf(twoDiskMap(), '/dev/disk0')).map((m) => m.line),
      [1, 8],
      "disk 0's own lines, from disk 1's side",
    );
  },
);
