// dualroot-disk add on a one-disk machine with a plain ext4 root: the plan makes the new disk a
// second root (approach 2), from captured tool output (test/fixtures/disk) with the root changed.
import t from 'tap';
import { parseBlkidExport } from '../../src/core/blkid.js';
import type { DiskFacts } from '../../src/core/disk-facts.js';
import { ESP_FSTAB_OPTIONS, planDisk } from '../../src/core/disk-plan.js';
import { parseFstab } from '../../src/core/fstab.js';
import type { TablePartition } from '../../src/core/sfdisk.js';
import { parseSwapFiles } from '../../src/core/swaps.js';
import {
  ADDED_TABLE,
  BOOTED_FSTAB_LINE,
  diskFacts,
  NEW_GUIDS,
  partitionedTarget,
} from '../helpers/disk-facts.js';

const ROOT = { kind: 'other', mount: '/', fsType: 'ext4', source: '/dev/loop0p2' } as const;
const UUID = 'c0b1e5a2-0000-4000-8000-00000000a2a2';
const plainFacts = (overrides: Partial<DiskFacts> = {}, fstab = BOOTED_FSTAB_LINE) =>
  diskFacts({ root: ROOT, tools: [], ...overrides }, fstab);
const step = (plan: ReturnType<typeof planDisk>, id: string) => plan.steps.find((s) => s.id === id)!;

t.test('add on a plain ext4 root: a second root, copied, then kept in sync by items', async (t) => {
  const plan = planDisk(plainFacts({ swapFiles: ['/swapfile'] }));
  t.same(
    plan.steps.map((s) => s.id),
    [
      'partition',
      'partx',
      'mkfs-esp',
      'fstab',
      'mkfs-root',
      'mount-root',
      'copy-root',
      'mount',
      'bootloader',
      'sync',
      'entries',
    ],
    'the copy is made and filled before the ESP is mounted; no RAID step',
  );
  t.ok(plan.steps.every((s) => !s.done));
  t.same(step(plan, 'mkfs-root').commands, [['mkfs.ext4', '-q', '-F', '-U', UUID, '/dev/loop1p2']]);
  t.same(plan.secondRoot?.mount, '/mnt/root1', 'named after the new ESP (/efi1)');
  t.same(step(plan, 'fstab').fstab, {
    kind: 'append',
    lines: [
      '# /dev/loop1p1 (dualroot-disk add)',
      `PARTUUID=${NEW_GUIDS[0]}  /efi1  vfat  ${ESP_FSTAB_OPTIONS}  0 2`,
      "# /dev/loop1p2, the new disk's own root (dualroot-disk add)",
      `UUID=${UUID}  /mnt/root1  ext4  rw,nofail,x-systemd.device-timeout=10s  0 2`,
    ],
  });
  t.same(step(plan, 'mount-root').commands, [
    ['mkdir', '-p', '/mnt/root1'],
    ['mount', '-t', 'ext4', '/dev/loop1p2', '/mnt/root1'],
  ]);
  const rsync = step(plan, 'copy-root').commands[0]!;
  t.same(rsync.slice(0, 4), ['rsync', '-aHAXx', '--numeric-ids', '--info=stats1']);
  t.same(rsync.slice(-2), ['/', '/mnt/root1/']);
  for (const skipped of [
    '/dev/*',
    '/proc/*',
    '/sys/*',
    '/run/*',
    '/tmp/*',
    '/var/cache/pacman/pkg/*',
    '/swapfile',
  ])
    t.ok(rsync.includes(`--exclude=${skipped}`), `not copied: ${skipped}`);
  t.same(
    step(plan, 'copy-root').config?.map((s) => [s.name, s.keys.map((k) => `${k.key}=${k.value}`)]),
    [
      ['sync:etc', ['source=/etc', 'destinations=/mnt/root1/etc']],
      ['sync:usr', ['source=/usr', 'destinations=/mnt/root1/usr']],
      ['sync:root', ['source=/root', 'destinations=/mnt/root1/root']],
    ],
    "only the listed directories the running root has (the facts' rootDirs: etc, usr, root)",
  );
  t.match(plan.notes.join('\n'), /\/var and \/home are not kept in sync/);
});

t.test('a rerun goes on where the last run stopped, with the UUID fstab names', async (t) => {
  const espLine = BOOTED_FSTAB_LINE;
  const chosen = '0a0a0a0a-1111-4222-8333-444444444444';
  const fstab = `${espLine}PARTUUID=${ADDED_TABLE.partitions[0]!.uuid} /efi1 vfat rw,nofail 0 2\nUUID=${chosen} /mnt/root1 ext4 rw,nofail 0 2\n`;
  const base = plainFacts({}, fstab);
  const target = partitionedTarget(base);
  // The new ESP formatted, the root partition given ext4 with the UUID the fstab line chose.
  target.probes = parseBlkidExport(
    `DEVNAME=/dev/loop1p1\nTYPE=vfat\n\nDEVNAME=/dev/loop1p2\nUUID=${chosen}\nTYPE=ext4\n`,
  );
  target.mounts = [{ device: '/dev/loop1p2', mount: '/mnt/root1' }];
  const plan = planDisk({ ...base, target, fstab: parseFstab(fstab) });
  t.equal(plan.secondRoot?.filesystems[0]?.uuid, chosen, 'the UUID of the fstab line, not a fresh one');
  const done = (id: string) => step(plan, id).done;
  t.ok(done('mkfs-root') && done('fstab') && done('mount-root'), 'made, named in fstab, mounted');
  t.notOk(done('copy-root'), 'copied again until the config names the copy');
  const configured = planDisk({
    ...base,
    target,
    fstab: parseFstab(fstab),
    syncItems: ['etc', 'usr', 'root'].map((d) => ({
      name: d,
      source: `/${d}`,
      destinations: [`/mnt/root1/${d}`],
      exclude: [],
    })),
  });
  t.ok(step(configured, 'copy-root').done, 'copied once the config names the copy');
  t.notOk(step(configured, 'sync').done, 'synced only once every destination has a good sync');
  const synced = planDisk({
    ...base,
    target,
    fstab: parseFstab(fstab),
    syncItems: configured.secondRoot!.items.map((i) => ({
      name: i.name,
      source: i.source,
      destinations: [i.destination],
      exclude: [],
    })),
    syncedTo: ['/efi1', '/mnt/root1/etc', '/mnt/root1/usr', '/mnt/root1/root'],
  });
  t.ok(step(synced, 'sync').done);
});

t.test('an ext4 on the new root partition that no fstab line chose is not ours: refused', async (t) => {
  const base = plainFacts();
  const target = partitionedTarget(base);
  target.probes = parseBlkidExport(
    'DEVNAME=/dev/loop1p1\nTYPE=vfat\n\nDEVNAME=/dev/loop1p2\nUUID=99999999-0000-4000-8000-000000000000\nTYPE=ext4\n',
  );
  t.throws(() => planDisk({ ...base, target }), /not blank/);
});

t.test(
  "a handwritten fstab line at the copy's mount that names no usable UUID: refused, naming the line",
  async (t) => {
    for (const source of ['UUID=not-a-uuid', 'LABEL=root1', '/dev/sdb2', 'UUID=0a0a0a0a-1111-4222-8333']) {
      const fstab = `${BOOTED_FSTAB_LINE}${source} /mnt/root1 ext4 rw,nofail 0 2\n`;
      const facts = plainFacts({}, fstab);
      t.throws(
        () => planDisk({ ...facts, fstab: parseFstab(fstab) }),
        {
          message: new RegExp(
            `^${facts.fstabPath} line 2 mounts /mnt/root1 from ${source}, but dualroot-disk add names the copy's filesystem there by the UUID it gives it .*nothing was written$`,
          ),
          hint: new RegExp(`remove line 2 from ${facts.fstabPath}`),
        },
        source,
      );
    }
    const upper = '0A0A0A0A-1111-4222-8333-444444444444';
    const fstab = `${BOOTED_FSTAB_LINE}UUID=${upper} /mnt/root1 ext4 rw,nofail 0 2\n`;
    const plan = planDisk({ ...plainFacts({}, fstab), fstab: parseFstab(fstab) });
    t.equal(
      plan.secondRoot?.filesystems[0]?.uuid,
      upper.toLowerCase(),
      'a well-formed UUID in capitals is taken',
    );
  },
);

t.test('/proc/swaps: files, not partitions, escapes undone', async (t) => {
  const text = [
    'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority',
    '/dev/sda3                               partition\t8388604\t\t0\t\t-2',
    '/swap\\040file                          file\t\t1048572\t\t0\t\t-3',
    '',
  ].join('\n');
  t.same(parseSwapFiles(text), ['/swap file']);
});

t.test(
  'an XBOOTLDR /boot (FAT) is made with a chosen serial, mounted in the copy, and kept in sync as [sync:boot]',
  async (t) => {
    const XBOOTLDR = 'BC13C2FF-59E6-4262-A352-B275FD6F7172';
    const base = plainFacts();
    const [esp, root] = base.bootedTable.partitions as [TablePartition, TablePartition];
    // The booted disk: ESP, XBOOTLDR (partition 2, 512 MiB), root (partition 3, the rest).
    const boot = {
      ...root,
      number: 2,
      node: '/dev/loop0p2',
      size: 1048576,
      type: XBOOTLDR,
      uuid: 'aaaaaaaa-0000-4000-8000-000000000002',
    };
    const rootPart = {
      ...root,
      number: 3,
      node: '/dev/loop0p3',
      start: root.start + 1048576,
      size: root.size - 1048576,
    };
    const facts = {
      ...base,
      root: { ...ROOT, source: '/dev/loop0p3' },
      bootedTable: { ...base.bootedTable, partitions: [esp, boot, rootPart] },
      bootedMounts: [
        { device: '/dev/loop0p1', mount: '/efi0', fsType: 'vfat' },
        { device: '/dev/loop0p2', mount: '/boot', fsType: 'vfat' },
        { device: '/dev/loop0p3', mount: '/', fsType: 'ext4' },
      ],
      newGuids: [
        '11111111-2222-4333-8444-555555555555',
        '22222222-2222-4333-8444-555555555555',
        '33333333-2222-4333-8444-555555555555',
      ],
      newFsUuids: [
        '0a0a0a0a-0000-4000-8000-000000000001',
        'b00710ad-0000-4000-8000-000000000002',
        'c0b1e5a2-0000-4000-8000-00000000a2a3',
      ],
    };
    const plan = planDisk(facts);
    t.same(
      plan.secondRoot?.filesystems.map((f) => [f.node, f.fsType, f.uuid, f.mount]),
      [
        ['/dev/loop1p3', 'ext4', 'c0b1e5a2-0000-4000-8000-00000000a2a3', '/mnt/root1'],
        ['/dev/loop1p2', 'vfat', 'b007-10ad', '/mnt/root1/boot'],
      ],
    );
    t.same(step(plan, 'mkfs-root').commands[1], ['mkfs.fat', '-F', '32', '-i', 'b00710ad', '/dev/loop1p2']);
    t.same(step(plan, 'mount-root').commands.slice(2), [
      ['mkdir', '-p', '/mnt/root1/boot'],
      ['mount', '-t', 'vfat', '-o', 'fmask=0077,dmask=0077', '/dev/loop1p2', '/mnt/root1/boot'],
    ]);
    t.same(
      step(plan, 'copy-root').commands.map((c) => c.at(-1)),
      ['/mnt/root1/'],
      'the FAT copy is filled by its item (FAT options), not by the rsync -aHAX of the filesystems',
    );
    t.match(step(plan, 'fstab').fstab, {
      lines: [
        /./,
        /./,
        /./,
        /./,
        /./,
        'UUID=b007-10ad  /mnt/root1/boot  vfat  fmask=0077,dmask=0077,rw,nofail,x-systemd.device-timeout=10s  0 2',
      ],
    });
    t.same(
      step(plan, 'copy-root')
        .config?.map((s) => s.name)
        .at(-1),
      'sync:boot',
      '[sync:boot] source = /boot, destinations = /mnt/root1/boot',
    );
    t.notMatch(plan.notes.join('\n'), /XBOOTLDR/, 'nothing left to do by hand');
  },
);
