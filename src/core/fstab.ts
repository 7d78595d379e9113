import { unescapeOctal } from './octal-escape.js';

/** One fstab(5) line. */
export interface FstabEntry {
  line: number;
  source: string;
  target: string;
  fsType: string;
  options: string[];
}

/** Parses fstab text, skipping comments and blank lines. */
export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [source, target, fsType, options] = line.split(/\s+/);
    if (!source || !target || !fsType) return;
    entries.push({
      line: index + 1,
      source,
      target: unescapeOctal(target),
      fsType,
      options: (options ?? 'defaults').split(','),
    });
  });
  return entries;
}

/** ESP lines (mounted at an ESP mount point, or vfat at /efi*, /boot) that lack nofail. */
export function espLinesWithoutNofail(entries: FstabEntry[], espMounts: string[]): FstabEntry[] {
  return entries.filter(
    (e) =>
      (espMounts.includes(e.target) || (e.fsType === 'vfat' && /^\/(efi\d*|boot)(\/|$)/.test(e.target))) &&
      !e.options.includes('nofail') &&
      // A bind onto /boot is not a disk: it cannot hold up the boot.
      !e.options.includes('bind'),
  );
}
