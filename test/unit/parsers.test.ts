import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { decideBind } from '../../src/core/bind.js';
import { parseBlkidExport, parseBlkidLines } from '../../src/core/blkid.js';
import { findEsps } from '../../src/core/esp.js';
import {
  enclosingMount,
  isWithin,
  mountAt,
  mountPointsOf,
  parseMountinfo,
} from '../../src/core/mountinfo.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

t.test('mountinfo: real capture with an escaped space, a bind and stacked mounts', async (t) => {
  const mounts = parseMountinfo(fixture('mountinfo-sim.txt'));
  const efi = mounts.find((m) => m.mountPoint === '/tmp/cap/efi 0');
  t.match(
    efi,
    { majorMinor: '259:0', root: '/', fsType: 'ext4', source: '/dev/loop0p1' },
    '\\040 decoded to a space',
  );
  // Three mounts stacked on /tmp/cap/boot: the last one is the visible one.
  t.equal(mounts.filter((m) => m.mountPoint === '/tmp/cap/boot').length, 3);
  t.match(mountAt(mounts, '/tmp/cap/boot'), { root: '/tmp/cap/root/sub', majorMinor: '254:0' });
  t.same(mountPointsOf(mounts, '259:0'), ['/tmp/cap/efi 0'], 'the hidden bind does not count');
  t.equal(enclosingMount(mounts, '/tmp/cap/efi 0/EFI/BOOT')?.mountPoint, '/tmp/cap/efi 0');
  t.equal(enclosingMount(mounts, '/usr/share')?.mountPoint, '/');
  t.equal(mountAt(mounts, '/nowhere'), undefined);
  t.throws(() => parseMountinfo('1 2 3:4 / /x rw shared:1\n', 'mi'), /mi line 1: not a mountinfo line/);
});

t.test('isWithin: by path components, so /mnt/root10 is not inside /mnt/root1', async (t) => {
  t.ok(isWithin('/mnt/root1', '/mnt/root1'), 'the directory itself');
  t.ok(isWithin('/mnt/root1/home', '/mnt/root1'));
  t.notOk(isWithin('/mnt/root10', '/mnt/root1'), 'a longer name with the same prefix');
  t.notOk(isWithin('/mnt', '/mnt/root1'), 'a parent');
  t.ok(isWithin('/anything', '/'), 'everything is within /');
});

t.test('blkid -p -o export: real capture of a GPT loop disk', async (t) => {
  const infos = parseBlkidExport(fixture('blkid-p-export.txt'));
  t.equal(infos.length, 2);
  t.match(infos[0], {
    device: '/dev/loop0p1',
    fsType: 'ext4',
    label: 'ESP0',
    partUuid: '2501309a-e669-42ad-82ce-06032008c705',
    partType: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
    partNumber: 1,
    partLabel: 'ESP0',
  });
  t.match(infos[1], {
    device: '/dev/loop0p2',
    partType: '0fc63daf-8483-4772-8e79-3d69d8477de4',
    partNumber: 2,
  });
  t.same(parseBlkidExport(''), []);
});

t.test('blkid default output: the four captured scenarios', async (t) => {
  for (const [scenario, count] of [
    ['both-entries-booted-disk0', 4],
    ['both-fallback-booted-disk0', 4],
    ['disk1only-entries-booted-disk1', 2],
    ['disk1only-fallback-booted-disk1', 2],
  ] as const) {
    const infos = parseBlkidLines(fixture(`efivars/${scenario}.blkid.txt`));
    t.equal(infos.length, count, scenario);
    const esp = infos.find((i) => i.fsType === 'vfat' && i.label?.startsWith('ESP'));
    t.ok(esp?.partUuid, `${scenario}: ESP has a PARTUUID`);
  }
  const [vda1] = parseBlkidLines(
    '/dev/vda1: LABEL="a \\"b\\"" UUID="0CB1-881C" TYPE="vfat" PARTUUID="2501309A-E669-42AD-82CE-06032008C705"',
  );
  t.match(vda1, { label: 'a "b"', partUuid: '2501309a-e669-42ad-82ce-06032008c705', fsType: 'vfat' });
});

const part = (device: string, majorMinor: string, number = 1) => ({
  device,
  disk: device.replace(/p?\d+$/, ''),
  number,
  majorMinor,
});

t.test('findEsps keeps only ESP-type partitions, with their visible mounts', async (t) => {
  const mounts = parseMountinfo(fixture('mountinfo-sim.txt'));
  const probes = parseBlkidExport(fixture('blkid-p-export.txt'));
  const esps = findEsps(
    [part('/dev/loop0p2', '259:1', 2), part('/dev/loop0p1', '259:0'), part('/dev/sda1', '8:1')],
    probes,
    mounts,
  );
  t.equal(esps.length, 1);
  t.match(esps[0], {
    device: '/dev/loop0p1',
    disk: '/dev/loop0',
    partUuid: '2501309a-e669-42ad-82ce-06032008c705',
    mounts: ['/tmp/cap/efi 0'],
  });
});

t.test('decideBind: fresh, idempotent, wrong mount, unmounted ESP', async (t) => {
  const mounts = parseMountinfo(fixture('mountinfo-sim.txt'));
  const esp = {
    ...part('/dev/loop0p1', '259:0'),
    partUuid: 'p',
    fsUuid: undefined,
    fsType: 'ext4',
    label: undefined,
    mounts: [],
  };
  t.same(decideBind(esp, ['/tmp/cap/efi 0'], '/tmp/cap/new', mounts), {
    action: 'bind',
    source: '/tmp/cap/efi 0',
    target: '/tmp/cap/new',
  });
  t.match(decideBind(esp, ['/tmp/cap/efi 0'], '/tmp/cap/boot', mounts), {
    action: 'refuse',
    message: /mounted from \/dev\/vda \(ext4, subdirectory \/tmp\/cap\/root\/sub, device 254:0\)/,
    hint: /never stacks/,
  });
  const bound = parseMountinfo(
    '63 43 259:0 / /efi0 rw - vfat /dev/vda1 rw\n64 43 259:0 / /boot rw - vfat /dev/vda1 rw\n',
  );
  t.match(decideBind(esp, ['/efi0'], '/boot', bound), { action: 'none', source: '/efi0' });
  t.match(decideBind(esp, ['/efi0'], '/new', parseMountinfo('1 0 8:1 / / rw - ext4 /dev/sda1 rw\n')), {
    action: 'refuse',
    message: /not mounted at any ESP mount point \(\/efi0\)/,
  });
});
