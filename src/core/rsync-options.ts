// The [rsync] options an administrator may add to the [sync:NAME] items. An allowlist, not a
// denylist: rsync has options that write elsewhere (--backup-dir), hide changes from --test
// (--quiet, --list-only, --exclude, --size-only, --max-size), or change what --delete removes;
// every option not listed here as known safe is refused.

/** An option dualroot lets through. */
interface SafeOption {
  /** Its spellings (long first). */
  names: string[];
  /** For an option with a value (--name=VALUE): what the value must look like. */
  value?: RegExp;
}

/** The options known to be safe with dualroot's promises; docs/man/dualroot.conf.5 lists the same. */
export const SAFE_RSYNC_OPTIONS: readonly SafeOption[] = [
  { names: ['--checksum', '-c'] },
  { names: ['--sparse', '-S'] },
  { names: ['--whole-file', '-W'] },
  { names: ['--ignore-times', '-I'] },
  { names: ['--no-acls'] },
  { names: ['--no-xattrs'] },
  // Skip sockets/FIFOs and device nodes: fewer entries copied, none written elsewhere.
  { names: ['--no-specials'] },
  { names: ['--no-devices'] },
  { names: ['--omit-dir-times', '-O'] },
  { names: ['--omit-link-times', '-J'] },
  { names: ['--atimes', '-U'] },
  { names: ['--open-noatime'] },
  { names: ['--preallocate'] },
  { names: ['--fsync'] },
  { names: ['--bwlimit'], value: /^\d+(\.\d+)?[KMGkmg]?$/ },
  { names: ['--timeout'], value: /^\d+$/ },
];

const spelling = (o: SafeOption) => (o.value ? `${o.names[0]}=N` : o.names.join('/'));

/** The allowed options as one line, for the refusal's hint. */
export const SAFE_RSYNC_OPTION_LIST = SAFE_RSYNC_OPTIONS.map(spelling).join(', ');

/** Why one rsync option word is not allowed, or undefined when it is. */
export function rsyncOptionProblem(word: string): string | undefined {
  if (!word.startsWith('-')) return `"${word}" is not an rsync option`;
  const eq = word.indexOf('=');
  const name = eq < 0 ? word : word.slice(0, eq);
  const known = SAFE_RSYNC_OPTIONS.find((o) => o.names.includes(name));
  if (!known) return `"${word}" is not one of the rsync options known to be safe with dualroot`;
  if (known.value && (eq < 0 || !known.value.test(word.slice(eq + 1))))
    return `"${word}" needs a value: ${known.names[0]}=N`;
  if (!known.value && eq >= 0) return `"${word}" takes no value`;
  return undefined;
}
