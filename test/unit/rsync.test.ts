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
  t.same(fat.slice(0, 3), ['--recursive', '--times', '--modify-window=1']);
  for (const forbidden of [
    '--archive',
    '-a',
    '--perms',
    '--owner',
    '--group',
    '--links',
    '--acls',
    '--xattrs',
    '--checksum',
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
    '*deleting   old.img',
    'cd+++++++++ EFI/',
    '>f+++++++++ EFI/BOOT/BOOTX64.EFI',
    '>f.st...... vmlinuz-linux',
    '.d..t...... loader/',
    '.f...p..... loader/loader.conf',
    '',
    'Number of files: 5 (reg: 3, dir: 2)',
    'Number of regular files transferred: 1,234',
    'Total transferred file size: 12,345,678 bytes',
  ].join('\n');
  t.same(parseRsyncOutput(out), {
    created: ['EFI/', 'EFI/BOOT/BOOTX64.EFI'],
    updated: ['vmlinuz-linux', 'loader/loader.conf'],
    deleted: ['old.img'],
    files: 1234,
    bytes: 12345678,
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
