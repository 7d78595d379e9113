// The rewrite of per-disk files through the disk map of the real two-disk capture.
import t from 'tap';
import { translations } from '../../src/core/disk-map.js';
import { rewriteText } from '../../src/core/rewrite.js';
import { twoDiskMap } from '../helpers/two-disks.js';

const table = () => translations(twoDiskMap());
const ROOT0 = '40d0cff7-bcad-4511-a7a9-7ba1ac40db1d';
const ROOT1 = '66653333-8bf4-4b06-9800-6019bcdce8a6';
const LUKS0 = 'e4c36c7c-7fd4-48bf-ab5a-0ec54039b2c3';
const LUKS1 = '05bb3bb4-d4e8-4009-9a44-fc0bff2e9de0';

t.test(
  'a loader entry: root=, rd.luks.name=, resume=, cryptdevice=, only on options lines that name them',
  async (t) => {
    const entry = [
      'title Arch Linux',
      'linux /vmlinuz-linux',
      `options root=UUID=${ROOT0} rw rd.luks.name=${LUKS0}=data resume=PARTUUID=b3e94144-c47b-5545-84c3-a161cea814f1`,
      `options cryptdevice=UUID=${LUKS0}:data root=/dev/mapper/data`,
      '',
    ].join('\n');
    const out = rewriteText(entry, table());
    t.same(out.problems, []);
    t.equal(
      out.text,
      [
        'title Arch Linux',
        'linux /vmlinuz-linux',
        `options root=UUID=${ROOT1} rw rd.luks.name=${LUKS1}=data resume=PARTUUID=50bfa034-6482-494f-bbf3-d4724795ede5`,
        `options cryptdevice=UUID=${LUKS1}:data root=/dev/mapper/data`,
        '',
      ].join('\n'),
    );
    t.same(
      out.changes.map((c) => [c.line, c.from, c.to]),
      [
        [3, ROOT0, ROOT1],
        [3, LUKS0, LUKS1],
        [3, 'b3e94144-c47b-5545-84c3-a161cea814f1', '50bfa034-6482-494f-bbf3-d4724795ede5'],
        [4, LUKS0, LUKS1],
      ],
    );
  },
);

t.test(
  'fstab: the two roots exchanged, FAT serials in upper case, by-uuid paths, quoted labels, comments kept',
  async (t) => {
    const fstab = [
      `# root was UUID=${ROOT0}`,
      `UUID=${ROOT0} / ext4 rw 0 1`,
      `/dev/disk/by-uuid/${ROOT1} /mnt/other ext4 rw,nofail 0 2`,
      'UUID=4B8B-960B /efi0 vfat rw 0 2',
      'LABEL="ESP1" /efi1 vfat rw,nofail 0 2',
      '/dev/disk/by-partlabel/cryptdata0 none swap defaults 0 0',
      'UUID=0a0a0a0a-0000-4000-8000-000000000000 /srv ext4 rw 0 2',
    ].join('\n');
    const out = rewriteText(fstab, table());
    t.same(out.problems, []);
    t.equal(
      out.text,
      [
        `# root was UUID=${ROOT0}`,
        `UUID=${ROOT1} / ext4 rw 0 1`,
        `/dev/disk/by-uuid/${ROOT0} /mnt/other ext4 rw,nofail 0 2`,
        'UUID=4B94-CB50 /efi0 vfat rw 0 2',
        'LABEL="ESP0" /efi1 vfat rw,nofail 0 2',
        '/dev/disk/by-partlabel/cryptdata1 none swap defaults 0 0',
        'UUID=0a0a0a0a-0000-4000-8000-000000000000 /srv ext4 rw 0 2',
      ].join('\n'),
      'a third disk is left alone',
    );
    t.equal(rewriteText(out.text, translations(twoDiskMap())).text, fstab, 'the rewrite undone by itself');
  },
);

t.test('crypttab: UUID= and the luks-UUID name', async (t) => {
  const out = rewriteText(`luks-${LUKS0} UUID=${LUKS0} none luks\n`, table());
  t.equal(out.text, `luks-${LUKS1} UUID=${LUKS1} none luks\n`);
  t.equal(out.changes.length, 2);
});

t.test('a reference with no counterpart, or an ambiguous label: nothing rewritten, each named', async (t) => {
  const map = twoDiskMap();
  map.unpaired.push({ partition: map.pairs[2]!.source, reason: '/dev/disk1 has no partition 3' });
  map.pairs.splice(2, 1);
  const text = `UUID=${ROOT0} / ext4 rw 0 1\nLABEL=root /x ext4 rw 0 2\nluks UUID=${LUKS0} none\n`;
  const out = rewriteText(text, translations(map));
  t.equal(out.text, text, 'the file as it was: nothing half-rewritten');
  t.match(out.problems, [
    { line: 2, reference: 'LABEL=root', problem: /more than one partition/ },
    { line: 3, reference: LUKS0, problem: /disk0p3 has no counterpart: \/dev\/disk1 has no partition 3/ },
  ]);
  t.equal(out.changes.length, 1);
});
