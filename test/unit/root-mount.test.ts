// Which partition an fstab mounts / from: by identifier, through crypttab for a LUKS root, or a
// kernel name (which shifts when a disk is gone).
import t from 'tap';
import { KERNEL_NAME, rootMountOf } from '../../src/core/per-disk-layout.js';

const ROOT1 = '3c1f0d2e-8d1b-4b8e-9d0e-2f7a1c4b5e61';
const LUKS1 = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const own = new Map([
  [`uuid:${ROOT1}`, '/dev/sdb2'],
  [`uuid:${LUKS1}`, '/dev/sdb3'],
]);

t.test('/ by UUID= of a partition of the disk', async (t) => {
  const fstab = `# static\nUUID=${ROOT1.toUpperCase()}  /  ext4  rw  0 1\n`;
  t.same(rootMountOf(fstab, undefined, own), {
    line: 2,
    source: `UUID=${ROOT1.toUpperCase()}`,
    owner: '/dev/sdb2',
  });
});

t.test('a LUKS root: /dev/mapper/NAME opened by the crypttab line naming the partition', async (t) => {
  const fstab = '/dev/mapper/root / ext4 rw 0 1\n';
  const crypttab = `# <name> <device> <password> <options>\nswap /dev/sdb4 /dev/urandom swap\nroot UUID=${LUKS1} none luks\n`;
  t.same(rootMountOf(fstab, crypttab, own), {
    line: 1,
    source: '/dev/mapper/root',
    owner: '/dev/sdb3',
    crypttabLine: 3,
  });
  t.same(
    rootMountOf(fstab, 'home UUID=x none luks\n', own),
    { line: 1, source: '/dev/mapper/root', owner: undefined },
    'no crypttab line opens it (the initramfs does, from rd.luks.name=): no partition named',
  );
});

t.test('no / line, another disk, a kernel name', async (t) => {
  t.equal(rootMountOf('UUID=x /home ext4 rw 0 2\n', undefined, own), undefined);
  t.same(rootMountOf('UUID=0000 / ext4 rw 0 1\n', undefined, own)?.owner, undefined);
  for (const name of ['/dev/sda2', '/dev/vdb2', '/dev/nvme0n1p2', '/dev/mmcblk0p2'])
    t.ok(KERNEL_NAME.test(name), name);
  for (const name of ['/dev/mapper/root', '/dev/md127', '/dev/disk/by-uuid/x', 'UUID=x'])
    t.notOk(KERNEL_NAME.test(name), name);
});
