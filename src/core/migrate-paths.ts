import { isAbsolute, posix } from 'node:path';

/** An old item's source as rsync reads it: the directory, and whether rsync copied its contents (trailing slash) or the directory itself. */
export interface LegacySource {
  /** The directory, normalised, without a trailing slash. */
  dir: string;
  /** true: "SRC/" copied what is in SRC; false: "SRC" copied SRC itself into each destination. */
  contents: boolean;
}

/** Why a path or pattern cannot be written into dualroot.conf as it is (ini would read it differently), or undefined. */
export function iniUnsafe(text: string): string | undefined {
  if (text !== text.trim()) return 'it starts or ends with white space';
  const bad = [...text].find((c) => ',;#"\'\\'.includes(c));
  return bad === undefined ? undefined : `it contains "${bad}", which dualroot.conf's lists cannot hold`;
}

/** Normalised absolute path without trailing slash ("/" stays "/"). */
export const stripSlash = (p: string): string => {
  const normal = posix.normalize(p);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
};

/** The problem with an old path (not absolute, a shell wildcard, not expressible), or undefined. */
export function pathProblem(p: string): string | undefined {
  if (p === '') return 'it is empty';
  if (!isAbsolute(p)) return 'it is a relative path (the old daemon ran from /; write it absolute)';
  if (/[*?[]/.test(p))
    return 'it has a shell wildcard, which no shell expanded for the old daemon (rsync got it literally)';
  return iniUnsafe(p);
}

/** How rsync reads a source: "/etc" is the directory, "/etc/" and "/etc/." its contents. */
export function legacySource(raw: string): LegacySource {
  return { dir: stripSlash(raw), contents: /\/\.?$/.test(raw) };
}

/** Where rsync put a source in a destination: SRC itself lands in DEST/basename(SRC), SRC/'s contents in DEST. */
export function destinationFor(source: LegacySource, rawDest: string): string {
  const dest = stripSlash(rawDest);
  return source.contents ? dest : posix.join(dest, posix.basename(source.dir));
}

/** p is q or inside it. */
export const inside = (p: string, q: string): boolean => p === q || p.startsWith(q === '/' ? '/' : `${q}/`);

/** rsync's wildcard rules for one path component: * and ? never match "/", [..] a character class. */
export function globMatches(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}

/** What an old exclude becomes: a dualroot exclude (anchored at the source), nothing (it matched nothing), or a refusal. */
export type ExcludeTranslation =
  | { kind: 'keep'; pattern: string; meaning: string }
  | { kind: 'drop'; why: string }
  | { kind: 'refuse'; why: string };

/**
 * One old --exclude pattern, read the way rsync read it, as a pattern of dualroot's item (which
 * always copies SRC/ into DEST/). rsync anchors a leading "/" at the transfer's root: SRC itself
 * for "SRC/", but SRC's parent for "SRC", where the names rsync matched also began with SRC's own
 * name. A pattern that meant one thing to rsync and reads as another (an absolute path under the
 * source that rsync anchored elsewhere) is refused: copying it verbatim would change what is copied.
 */
export function translateExclude(source: LegacySource, pattern: string): ExcludeTranslation {
  const unsafe = iniUnsafe(pattern);
  if (unsafe) return { kind: 'refuse', why: unsafe };
  if (/^[-+!] /.test(pattern) || pattern === '!')
    return { kind: 'refuse', why: 'it is an rsync filter rule (+/-/! prefix), not an exclude pattern' };
  const { dir } = source;
  const dirOnly = pattern.endsWith('/') ? '/' : '';
  const body = pattern.replace(/\/+$/, '');
  if (body === '') return { kind: 'refuse', why: 'it excludes the whole source' };
  if (pattern.startsWith('/')) {
    const root = source.contents ? dir : posix.dirname(dir);
    const meant = posix.join(root, body);
    const absolute = stripSlash(body);
    if (absolute !== meant && inside(absolute, dir))
      return {
        kind: 'refuse',
        why: `rsync anchored it at ${root}, so it excluded ${meant}, not ${absolute}; write the pattern for what you mean in the old file (${absolute} is /${posix.relative(dir, absolute)} relative to the source)`,
      };
    if (meant === dir)
      return { kind: 'refuse', why: `it excluded ${dir} itself, so the item copied nothing` };
    if (inside(meant, dir))
      return {
        kind: 'keep',
        pattern: `/${posix.relative(dir, meant)}${dirOnly}`,
        meaning: `${meant}${dirOnly}`,
      };
    return {
      kind: 'drop',
      why: `rsync anchored it at ${root}: it meant ${meant}, outside what the item copied, so it excluded nothing`,
    };
  }
  // Unanchored: matched at every level. With "SRC" the first level was SRC's own name, which
  // dualroot's transfer (SRC/) does not have: a pattern that could match it changes meaning.
  if (!source.contents) {
    if (pattern.includes('**'))
      return {
        kind: 'refuse',
        why: `"**" could also match ${posix.basename(dir)}/ itself (the source was copied without a trailing slash)`,
      };
    const first = body.split('/')[0] as string;
    if (globMatches(first, posix.basename(dir)))
      return {
        kind: 'refuse',
        why: `it matched the source's own name "${posix.basename(dir)}" (copied without a trailing slash), which dualroot's copy of the contents does not have`,
      };
  }
  return { kind: 'keep', pattern, meaning: `anything under ${dir} matching ${pattern}` };
}
