// Which files of a job are per-disk (rewritten through the disk map, kept out of the verbatim copy).
import t from 'tap';
import { perDiskFiles } from '../../src/core/sync-rewrite.js';

const job = (item: string, source: string, fat: boolean) => ({
  item,
  source,
  destination: `/mnt/root1${source}`,
  fat,
  exclude: [],
});

t.test(
  "an ESP's and a FAT item's loader entries; an /etc item's fstab, crypttab and kernel cmdline",
  async (t) => {
    const entries = ['arch.conf', 'arch-fallback.conf', 'README'];
    t.same(perDiskFiles(job('esp', '/efi0', true), entries, '/'), [
      'loader/entries/arch-fallback.conf',
      'loader/entries/arch.conf',
    ]);
    t.same(
      perDiskFiles(job('boot', '/boot', true), entries, '/'),
      ['loader/entries/arch-fallback.conf', 'loader/entries/arch.conf'],
      'an XBOOTLDR /boot holds the entries naming the root',
    );
    t.same(perDiskFiles(job('etc', '/etc', false), entries, '/'), ['crypttab', 'fstab', 'kernel/cmdline']);
  },
);
