// Which changes the daemon may ignore: paths an rsync exclude pattern would skip anyway.

const WILDCARD = /[*?[\\]/;

/**
 * True when a path (relative to the source, "/"-separated, no leading "/") is certainly excluded
 * by one of the rsync exclude patterns. Only plain patterns are understood ("/loader/random-seed"
 * anchored at the source, "name" or "dir/name" anywhere); a pattern with wildcards never
 * suppresses a change, so an unusual pattern costs a needless sync, never a missed one.
 */
export function ignoredChange(patterns: string[], relative: string): boolean {
  if (relative === '') return false;
  const path = `/${relative}`;
  for (const raw of patterns) {
    if (raw.startsWith('+ ') || raw.startsWith('- ') || WILDCARD.test(raw)) continue;
    const pattern = raw.replace(/\/+$/, '');
    if (pattern === '' || pattern === '/') continue;
    // "dir/" excludes only a directory: only what is inside it is certainly excluded.
    const exact = pattern === raw;
    const anchored = pattern.startsWith('/') ? pattern : `/${pattern}`;
    if (pattern.startsWith('/')) {
      if ((exact && path === anchored) || path.startsWith(`${anchored}/`)) return true;
    } else if ((exact && path.endsWith(anchored)) || path.includes(`${anchored}/`)) {
      return true;
    }
  }
  return false;
}
