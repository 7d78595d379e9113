// The plan of [sync:NAME] items: a destination on FAT (an XBOOTLDR /boot copy) is written like an
// ESP (FAT's rsync options and the staged update, its staging directory excluded); others keep
// full metadata.
import t from 'tap';
import { defaultConfig } from '../../src/core/config.js';
import { STAGING_EXCLUDE } from '../../src/core/esp-update.js';
import { parseMountinfo } from '../../src/core/mountinfo.js';
import { planSync } from '../../src/core/sync-plan.js';

// Captured shape of /proc/self/mountinfo: the root, the second root at /mnt/root1, its XBOOTLDR copy inside.
const MOUNTINFO = [
  '24 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw',
  '30 24 259:3 / /boot rw,relatime shared:5 - vfat /dev/nvme0n1p3 rw,fmask=0077,dmask=0077',
  '40 24 259:6 / /mnt/root1 rw,relatime shared:9 - ext4 /dev/nvme1n1p2 rw',
  '41 40 259:7 / /mnt/root1/boot rw,relatime shared:10 - vfat /dev/nvme1n1p3 rw,fmask=0077,dmask=0077',
  '',
].join('\n');

t.test('an item onto FAT is planned like an ESP; one onto ext4 keeps full metadata', async (t) => {
  const config = defaultConfig('/etc/dualroot/dualroot.conf');
  config.esp.sync = false;
  config.items = [
    { name: 'boot', source: '/boot', destinations: ['/mnt/root1/boot'], exclude: [] },
    { name: 'etc', source: '/etc', destinations: ['/mnt/root1/etc'], exclude: [] },
  ];
  const plan = planSync({
    config,
    espMounts: [],
    esps: [],
    booted: undefined,
    mounts: parseMountinfo(MOUNTINFO),
    exists: () => true,
  });
  t.same(plan.refusals, []);
  t.same(
    plan.jobs.map((j) => [j.item, j.fat, j.exclude]),
    [
      ['boot', true, [STAGING_EXCLUDE]],
      ['etc', false, []],
    ],
  );
});
