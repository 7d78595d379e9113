import t from 'tap';
import { parseRsyncOutput, rsyncArgs, rsyncProblem } from '../../src/core/rsync.js';

const job = {
  item: 'esp',
  source: '/efi0',
  destination: '/efi1',
  fat: true,
  exclude: ['/loader/random-seed'],
};

t.test('ESP destinations get FAT rules; items keep full metadata', async (t) => {
  const fat = rsyncArgs(job, { dryRun: false, extra: ['--checksum'] });
  // Contents decide on FAT: a same-size change within its 2 s time resolution is still copied.
  t.same(fat.slice(0, 4), ['--recursive', '--times', '--modify-window=1', '--checksum']);
  t.equal(fat.filter((a) => a === '--checksum').length, 1, "[rsync] options are not FAT's");
  const first = rsyncArgs(job, { dryRun: true, extra: [], preview: true, emptyDestination: true });
  t.same(first.slice(0, 3), ['--recursive', '--times', '--modify-window=1']);
  t.notOk(first.includes('--checksum'), 'an empty destination: no contents to compare');
  for (const forbidden of [
    '--archive',
    '-a',
    '--perms',
    '--owner',
    '--group',
    '--links',
    '--acls',
    '--xattrs',
  ]) {
    t.notOk(fat.includes(forbidden), `no ${forbidden} on FAT`);
  }
  t.ok(fat.includes('--delete') && fat.includes('--delete-delay') && fat.includes('--delay-updates'));
  t.ok(fat.includes('--exclude=/loader/random-seed'));
  t.same(fat.slice(-2), ['/efi0/', '/efi1/'], 'trailing slashes: copy contents, not the directory');
  t.notOk(fat.includes('--dry-run'));
  const item = rsyncArgs(
    { ...job, item: 'etc', fat: false, exclude: [] },
    { dryRun: true, extra: ['--checksum'] },
  );
  t.same(item.slice(0, 6), [
    '--archive',
    '--hard-links',
    '--acls',
    '--xattrs',
    '--numeric-ids',
    '--checksum',
  ]);
  t.ok(item.includes('--dry-run'));
});

t.test('itemized output and stats', async (t) => {
  const out = [
    '*deleting   0 old.img',
    'cd+++++++++ 4096 EFI/',
    '>f+++++++++ 1000 EFI/BOOT/BOOTX64.EFI',
    '>f.st...... 2000 vmlinuz-linux',
    '.d..t...... 4096 loader/',
    '.f...p..... 30 loader/loader.conf',
    '.f          40 loader/entries/a b.conf',
    '.f..t...... 50 EFI/systemd/systemd-bootx64.efi',
    '',
    'Number of files: 5 (reg: 3, dir: 2)',
    'Number of regular files transferred: 1,234',
    'Total transferred file size: 12,345,678 bytes',
  ].join('\n');
  t.same(parseRsyncOutput(out), {
    created: ['EFI/', 'EFI/BOOT/BOOTX64.EFI'],
    updated: ['vmlinuz-linux', 'loader/loader.conf'],
    deleted: ['old.img'],
    retimed: ['EFI/systemd/systemd-bootx64.efi'],
    files: 1234,
    bytes: 12345678,
    kept: 3,
    createdBytes: 1000,
    updatedBytes: 2000,
  });
});

t.test('problems are explained in words', async (t) => {
  t.equal(
    rsyncProblem(
      'rsync: [receiver] write failed on "/efi1/x": No space left on device (28)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23)\n',
      11,
    ),
    'rsync exit 11 (file I/O error (is the destination full?)): rsync: [receiver] write failed on "/efi1/x": No space left on device (28)',
  );
  t.equal(rsyncProblem('', 99), 'rsync exit 99');
});
