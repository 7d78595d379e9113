// dualroot-disk's planning on captured tool output: facts in, exact commands out.
import t from 'tap';
import { deadEspLines, ESP_FSTAB_OPTIONS, planDisk } from '../../src/core/disk-plan.js';
import {
  ADDED_TABLE,
  BOOTED_FSTAB_LINE,
  BOOTED_TABLE,
  btrfsRoot,
  degradedBtrfsRoot,
  diskFacts,
  mdRoot,
  NEW_GUIDS,
  partitionedTarget,
  ROOT_UUID,
} from '../helpers/disk-facts.js';

const ids = (plan: ReturnType<typeof planDisk>) => plan.steps.map((s) => s.id);
const step = (plan: ReturnType<typeof planDisk>, id: string) => plan.steps.find((s) => s.id === id)!;

t.test('add on a one-disk btrfs machine: every step, exact commands, nothing done yet', async (t) => {
  const plan = planDisk(diskFacts());
  t.same(ids(plan), [
    'partition',
    'partx',
    'mkfs-esp',
    'fstab',
    'mount',
    'bootloader',
    'sync',
    'entries',
    'root',
    'balance',
  ]);
  t.ok(plan.steps.every((s) => !s.done));
  t.equal(plan.espMount, '/efi1', 'the next free /efiN after the booted /efi0');
  t.equal(
    step(plan, 'partition').input,
    [
      'label: gpt',
      `start=2048, size=131072, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=${NEW_GUIDS[0]!.toUpperCase()}`,
      `start=133120, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=${NEW_GUIDS[1]!.toUpperCase()}`,
      '',
    ].join('\n'),
    'same starts, types and ESP size as the booted disk; the root (last) takes the rest; the new GUIDs',
  );
  t.same(step(plan, 'partition').commands, [['sfdisk', '/dev/loop1']]);
  t.same(step(plan, 'mkfs-esp').commands, [['mkfs.fat', '-F', '32', '/dev/loop1p1']]);
  t.same(step(plan, 'fstab').fstab, {
    kind: 'append',
    lines: [
      '# /dev/loop1p1 (dualroot-disk add)',
      `PARTUUID=${NEW_GUIDS[0]}  /efi1  vfat  ${ESP_FSTAB_OPTIONS}  0 2`,
    ],
  });
  t.match(
    ESP_FSTAB_OPTIONS,
    /nofail,x-systemd\.device-timeout=10s,x-systemd\.before=dualroot-bind\.service$/,
  );
  t.same(step(plan, 'fstab').commands, [['systemctl', 'daemon-reload']]);
  const mount = step(plan, 'mount').commands[0]!;
  t.same(mount.slice(0, 3), ['mount', '-t', 'vfat']);
  t.notMatch(mount.join(' '), /nofail|x-systemd/, 'userspace-only options stay in fstab');
  t.same(mount.slice(-2), ['/dev/loop1p1', '/efi1']);
  t.same(step(plan, 'bootloader').commands, [['bootctl', 'install', '--esp-path=/efi1', '--no-variables']]);
  t.same(step(plan, 'sync').commands, [['dualroot-sync']]);
  t.same(step(plan, 'entries').commands, [['dualroot-esp', 'entries', '--fix']]);
  t.same(step(plan, 'root').commands, [['btrfs', 'device', 'add', '/dev/loop1p2', '/']]);
  t.same(step(plan, 'balance').commands, [
    ['btrfs', 'balance', 'start', '-dconvert=raid1,soft', '-mconvert=raid1,soft', '/'],
  ]);
  t.match(step(plan, 'balance').title, /now Data: single, Metadata: DUP, System: DUP/);
  t.same(plan.notes, []);
});

t.test('without systemd-boot, UEFI or systemd: those steps go, the plan says what is not done', async (t) => {
  const plan = planDisk(diskFacts({ systemdBoot: false, uefi: false, systemd: false }));
  t.notOk(ids(plan).includes('bootloader'));
  t.notOk(ids(plan).includes('entries'));
  t.same(step(plan, 'fstab').commands, []);
  t.match(plan.notes.join('\n'), /no systemd-boot.*grub-install --no-nvram --efi-directory=\/efi1/);
  t.match(plan.notes.join('\n'), /not booted with UEFI/);
});

t.test('a rerun after a stop: what the first run did is checked as done, with its GUIDs', async (t) => {
  const base = diskFacts();
  const espUuid = ADDED_TABLE.partitions[0]!.uuid;
  const fstab = `${BOOTED_FSTAB_LINE}PARTUUID=${espUuid} /efi1 vfat ${ESP_FSTAB_OPTIONS} 0 2\n`;
  const facts = diskFacts(
    {
      target: { ...partitionedTarget(base), mounts: [{ device: '/dev/loop1p1', mount: '/efi1' }] },
      root: btrfsRoot('disk/btrfs-show-added.txt', 'disk/btrfs-df-single.txt'),
      loaderAt: ['/efi1'],
      syncedTo: ['/efi1'],
      bootEntries: [
        { num: 1, partUuid: base.booted.partUuid },
        { num: 2, partUuid: espUuid },
      ],
    },
    fstab,
  );
  const plan = planDisk(facts);
  t.same(
    plan.steps.filter((s) => !s.done).map((s) => s.id),
    ['balance'],
    'only the balance is left: the device add went through',
  );
  t.equal(plan.layout.esp.uuid, espUuid, 'the GUIDs on the disk, not fresh ones');
  t.equal(plan.espMount, '/efi1');
});

t.test('a finished add: every step done', async (t) => {
  const base = diskFacts();
  const espUuid = ADDED_TABLE.partitions[0]!.uuid;
  const plan = planDisk(
    diskFacts(
      {
        target: { ...partitionedTarget(base), mounts: [{ device: '/dev/loop1p1', mount: '/efi1' }] },
        root: btrfsRoot('disk/btrfs-show-raid1.txt', 'btrfs-df-raid1.txt'),
        loaderAt: ['/efi1'],
        syncedTo: ['/efi1'],
        bootEntries: [{ num: 2, partUuid: espUuid }],
      },
      `${BOOTED_FSTAB_LINE}PARTUUID=${espUuid} /efi1 vfat rw 0 2\n`,
    ),
  );
  t.ok(
    plan.steps.every((s) => s.done),
    plan.steps
      .filter((s) => !s.done)
      .map((s) => s.id)
      .join(','),
  );
});

t.test('replace: the dead ESP from fstab, its boot entry, the missing devid', async (t) => {
  const dead = '99999999-0000-4000-8000-000000000001';
  const fstab = `${BOOTED_FSTAB_LINE}PARTUUID=${dead} /efi1 vfat rw,fmask=0077,nofail 0 2\n`;
  const facts = diskFacts(
    {
      command: 'replace',
      root: degradedBtrfsRoot(),
      bootEntries: [
        { num: 1, partUuid: diskFacts().booted.partUuid },
        { num: 0x1a, partUuid: dead.toUpperCase() },
      ],
    },
    fstab,
  );
  t.same(
    deadEspLines(facts).map((e) => e.line),
    [2],
  );
  const plan = planDisk(facts);
  t.same(ids(plan), [
    'partition',
    'partx',
    'mkfs-esp',
    'dead-entries',
    'fstab',
    'mount',
    'bootloader',
    'sync',
    'entries',
    'root',
    'balance',
  ]);
  t.equal(plan.espMount, '/efi1', "the dead ESP's mount point");
  t.same(step(plan, 'dead-entries').commands, [['efibootmgr', '-b', '001A', '-B']]);
  t.same(step(plan, 'fstab').fstab, {
    kind: 'replace',
    line: 2,
    oldSource: `PARTUUID=${dead}`,
    newSource: `PARTUUID=${NEW_GUIDS[0]}`,
  });
  t.same(step(plan, 'mount').commands[0], [
    'mount',
    '-t',
    'vfat',
    '-o',
    'rw,fmask=0077',
    '/dev/loop1p1',
    '/efi1',
  ]);
  t.same(step(plan, 'root').commands, [['btrfs', 'replace', 'start', '-B', '2', '/dev/loop1p2', '/']]);
  t.match(step(plan, 'balance').title, /Data: single/, 'what the degraded mount wrote');
});

t.test(
  'replace on an md root: mdadm --add into the failed slot; add on one member grows the array',
  async (t) => {
    const plan = planDisk(
      diskFacts({ command: 'replace', root: mdRoot('mdstat-degraded.txt'), tools: ['mdadm'] }),
    );
    t.same(step(plan, 'root').commands, [['mdadm', '--manage', '/dev/md127', '--add', '/dev/loop1p2']]);
    t.notOk(ids(plan).includes('balance'));
    const single = mdRoot('mdstat-degraded.txt');
    if (single.kind === 'md') single.state = { ...single.state, devices: 1, missing: 0 };
    const grown = planDisk(diskFacts({ root: single }));
    t.same(step(grown, 'root').commands, [
      ['mdadm', '--grow', '/dev/md127', '--raid-devices=2', '--add', '/dev/loop1p2'],
    ]);
  },
);

t.test('an ESP line named by UUID= whose filesystem is gone is dead too; a present one is not', async (t) => {
  const facts = diskFacts(
    {},
    `${BOOTED_FSTAB_LINE}UUID=1234-ABCD /efi1 vfat rw 0 2\nUUID=${ROOT_UUID} / btrfs rw 0 0\n`,
  );
  t.same(
    deadEspLines(facts).map((e) => e.source),
    ['UUID=1234-ABCD'],
  );
  t.same(deadEspLines(diskFacts()), []);
});

t.test(
  "partition names that carry the booted disk's number get the new disk's (root0 → root1)",
  async (t) => {
    const named = {
      ...BOOTED_TABLE,
      partitions: BOOTED_TABLE.partitions.map((p, i) => ({
        ...p,
        name: ['EFI system partition', 'root0'][i],
      })),
    };
    const input = step(planDisk(diskFacts({ bootedTable: named })), 'partition').input ?? '';
    t.match(input, 'name="EFI system partition"', 'a name without the number kept');
    t.match(input, 'name="root1"', '/efi0 booted, the new ESP /efi1: root0 becomes root1');
    t.notMatch(input, 'root0');
  },
);
