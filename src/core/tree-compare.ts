/** One entry of a file tree listing. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  /** Modification time in whole seconds. */
  mtime: number;
  /** Content digest, only when contents were read (--verify). */
  digest?: string;
}

/** How two trees differ, by path relative to their roots. */
export interface TreeDiff {
  differing: string[];
  missing: string[];
  extra: string[];
}

/** Converts an rsync-style exclude pattern (the subset dualroot documents) to a path test. */
export function excludeMatcher(patterns: string[]): (path: string, isDir: boolean) => boolean {
  const tests = patterns.map((raw) => {
    const dirOnly = raw.endsWith('/');
    const anchored = raw.startsWith('/');
    const pattern = raw.replace(/^\/+/, '').replace(/\/+$/, '');
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    // Anchored: from the root. Unanchored: the path's tail (a name, or a/b at any depth), like rsync.
    const re = new RegExp(anchored ? `^${body}$` : `(^|/)${body}$`);
    return (path: string, isDir: boolean) => (!dirOnly || isDir) && re.test(path);
  });
  return (path, isDir) => tests.some((test) => test(path, isDir));
}

/** Compares a destination listing to its source: what differs, what is missing, what is extra. */
export function compareTrees(
  source: Map<string, TreeEntry>,
  destination: Map<string, TreeEntry>,
  options: { modifyWindow: number; compareLinks: boolean },
): TreeDiff {
  const diff: TreeDiff = { differing: [], missing: [], extra: [] };
  for (const [path, s] of source) {
    const d = destination.get(path);
    if (!d) {
      if (s.type !== 'link' || options.compareLinks) diff.missing.push(path);
      continue;
    }
    if (s.type !== d.type) diff.differing.push(path);
    else if (s.type === 'file') {
      const changed =
        s.size !== d.size ||
        Math.abs(s.mtime - d.mtime) > options.modifyWindow ||
        (s.digest !== undefined && d.digest !== undefined && s.digest !== d.digest);
      if (changed) diff.differing.push(path);
    }
  }
  for (const path of destination.keys()) if (!source.has(path)) diff.extra.push(path);
  return diff;
}
