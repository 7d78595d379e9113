import { rsyncOptionProblem, SAFE_RSYNC_OPTION_LIST } from './rsync-options.js';

/** What dual-root's rsync_opts become in dualroot: options carried into [rsync] options, what was dropped and why. */
export interface RsyncOptsTranslation {
  /** For [rsync] options (items only). */
  carried: string[];
  notes: string[];
  warnings: string[];
  /** The old options let rsync cross into other filesystems below a source; dualroot never does. */
  crossesFilesystems: boolean;
}

/** The old default when rsync_opts is unset. */
export const LEGACY_DEFAULT_RSYNC_OPTS = '-axHAX';

// Letters dualroot applies itself (items get --archive --hard-links --acls --xattrs
// --one-file-system), or that only changed rsync's own output.
const APPLIED_LETTERS = 'axHAXrlptgoD';
const OUTPUT_LETTERS = 'vqhiPz';
const CARRIED_LETTERS: Record<string, string> = {
  c: '--checksum',
  S: '--sparse',
  W: '--whole-file',
};
const APPLIED_LONG = new Set([
  '--archive',
  '--one-file-system',
  '--hard-links',
  '--acls',
  '--xattrs',
  '--recursive',
  '--links',
  '--perms',
  '--times',
  '--group',
  '--owner',
  '--devices',
  '--specials',
  '--no-specials',
  '--atimes',
  '--open-noatime',
  '--numeric-ids',
  '--verbose',
  '--quiet',
  '--progress',
  '--human-readable',
  '--itemize-changes',
  '--stats',
  '--compress',
]);
// Options that change which files are copied for every item and ESP at once: no per-item
// equivalent that keeps the ESP sync FAT-safe, so they are refused rather than half-carried.
const FILE_SELECTION =
  /^--(exclude|include|filter|files-from|cvs-exclude|exclude-from|include-from|existing|ignore-existing|max-size|min-size|dry-run)\b/;

/** Translates rsync_opts (whitespace-separated, as the old tool split them); throws the refusal's reason as a string result. */
export function translateRsyncOpts(text: string): RsyncOptsTranslation | { refuse: string } {
  const out: RsyncOptsTranslation = { carried: [], notes: [], warnings: [], crossesFilesystems: true };
  const dropped: string[] = [];
  for (const o of text.split(/\s+/).filter(Boolean)) {
    if (o === '-x' || o === '--one-file-system' || (/^-[^-]/.test(o) && o.includes('x')))
      out.crossesFilesystems = false;
    if (/^-[^-]/.test(o)) {
      for (const letter of o.slice(1)) {
        if (letter === 'n') return { refuse: `"${o}" has -n (--dry-run): the old daemon copied nothing` };
        if (letter === 'C' || letter === 'F' || letter === 'f')
          return {
            refuse: `"${o}" has -${letter}, which selects files for every item and ESP at once; put excludes on each sync item instead`,
          };
        if (APPLIED_LETTERS.includes(letter) || OUTPUT_LETTERS.includes(letter)) dropped.push(`-${letter}`);
        else if (CARRIED_LETTERS[letter]) out.carried.push(CARRIED_LETTERS[letter]);
        else
          return {
            refuse: `"${o}": -${letter} is not an option dualroot-migrate knows how to carry over; write it as its long option`,
          };
      }
    } else if (!o.startsWith('--')) {
      return { refuse: `"${o}" is not an rsync option` };
    } else if (FILE_SELECTION.test(o)) {
      return {
        refuse: `"${o}" selects files for every item and ESP at once; put excludes on each sync item instead`,
      };
    } else if (o === '--no-one-file-system' || o === '--no-x') {
      out.crossesFilesystems = true;
    } else if (APPLIED_LONG.has(o.split('=')[0] as string) || o.startsWith('--delete')) {
      dropped.push(o);
    } else if (rsyncOptionProblem(o)) {
      // dualroot.conf accepts only the options known to keep its promises (all-old or all-new
      // copies, sources untouched); carrying another would write a file dualroot refuses.
      return { refuse: `${rsyncOptionProblem(o)}; dualroot allows: ${SAFE_RSYNC_OPTION_LIST}` };
    } else {
      out.carried.push(o);
    }
  }
  if (dropped.length > 0)
    out.notes.push(
      `rsync_opts ${dropped.join(' ')} dropped: dualroot copies items with --archive --hard-links --acls --xattrs --numeric-ids --one-file-system --delete (output options do not apply)`,
    );
  if (out.carried.length > 0)
    out.warnings.push(
      `rsync_opts ${out.carried.join(' ')} carried into [rsync] options: dualroot applies them to sync items only; ESPs always get FAT-safe options`,
    );
  return out;
}
