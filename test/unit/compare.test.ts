// The sort orders that replace localeCompare (whose first call builds an ICU collator at start-up).
import t from 'tap';
import { byCodeUnits, naturalCompare } from '../../src/core/compare.js';

t.test('naturalCompare: digit runs by value, as lsblk lists devices', async (t) => {
  const devices = [
    '/dev/nvme10n1',
    '/dev/sdb',
    '/dev/nvme2n1',
    '/dev/sda',
    '/dev/nvme1n1p10',
    '/dev/nvme1n1p2',
  ];
  t.same(devices.sort(naturalCompare), [
    '/dev/nvme1n1p2',
    '/dev/nvme1n1p10',
    '/dev/nvme2n1',
    '/dev/nvme10n1',
    '/dev/sda',
    '/dev/sdb',
  ]);
  t.equal(naturalCompare('/dev/loop1', '/dev/loop1'), 0, 'equal names');
  t.ok(naturalCompare('/dev/vda', '/dev/vda1') < 0, 'a prefix first');
  t.ok(naturalCompare('loop01', 'loop1') > 0, 'same value: the longer run after, so the order is total');
  t.same(
    ['b', 'a10', 'a9'].sort(naturalCompare),
    ['b', 'a10', 'a9'].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })),
    'the order localeCompare gave on lower-case names',
  );
});

t.test('byCodeUnits: the default sort order as a comparator', async (t) => {
  const paths = ['vmlinuz-linux', 'EFI/BOOT/BOOTX64.EFI', 'amd-ucode.img', 'EFI/Linux/a.efi'];
  t.same([...paths].sort(byCodeUnits), [...paths].sort());
  t.equal(byCodeUnits('a', 'a'), 0);
  t.equal(byCodeUnits('b', 'a'), 1);
});
