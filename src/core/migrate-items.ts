import { posix } from 'node:path';
import type { SyncItem } from './config.js';
import { ConfigError } from './errors.js';
import { destinationFor, inside, legacySource, pathProblem, translateExclude } from './migrate-paths.js';
import type { RenderedKey } from './migrate-render.js';

/** One old sync item as written: [src, dst or [dsts], [excludes]]. */
export interface LegacyItem {
  /** "sync item 3 (line 12) ["/etc", "/mnt/root1/"]": how messages and comments name it. */
  origin: string;
  source: string;
  destinations: string[];
  exclude: string[];
}

/** A translated item with the comments that say where each of its keys came from. */
export interface TranslatedItem {
  item: SyncItem;
  origin: string;
  /** The old source had a trailing slash (rsync copied its contents). */
  contents: boolean;
  comment: string[];
  keys: RenderedKey[];
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The old `sync` value: one item, or a list of items; each checked for its shape. */
export function legacyItems(sync: unknown, text: string, file: string): LegacyItem[] {
  if (sync === undefined) return [];
  const refuse = (problem: string, hint: string) => new ConfigError({ file, key: 'sync' }, problem, hint);
  const shape =
    'each item is [source, destination], [source, [destinations]] or [source, destination(s), [excludes]]';
  if (!Array.isArray(sync)) throw refuse('not a list', shape);
  // A single item ["/etc", "/mnt/root1/"] or a list of them [[...], [...]].
  const list: unknown[] = typeof sync[0] === 'string' ? [sync] : sync;
  const lines = text.split('\n');
  let cursor = Math.max(
    0,
    lines.findIndex((l) => /^\s*sync\s*=/.test(l)),
  );
  return list.map((entry, i) => {
    const at = `sync item ${i + 1}`;
    if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3 || typeof entry[0] !== 'string')
      throw refuse(`${at} (${JSON.stringify(entry)}) has the wrong shape`, shape);
    const [source, dest, exclude = []] = entry as [string, unknown, unknown];
    const destinations = typeof dest === 'string' ? [dest] : dest;
    if (!strings(destinations) || destinations.length === 0)
      throw refuse(
        `${at} (${JSON.stringify(entry)}): the destination is not a path or a list of paths`,
        shape,
      );
    if (!strings(exclude))
      throw refuse(`${at} (${JSON.stringify(entry)}): the excludes are not a list of strings`, shape);
    const found = lines.findIndex(
      (l, n) => n >= cursor && (l.includes(`"${source}"`) || l.includes(`'${source}'`)),
    );
    if (found >= 0) cursor = found + 1;
    const where = found >= 0 ? `${at} (line ${found + 1})` : at;
    return { origin: `${where} ${JSON.stringify(entry)}`, source, destinations, exclude };
  });
}

/** A plain [sync:NAME] name from a source path: /efi/EFI → efi-EFI, / → root. */
function itemName(dir: string, taken: Set<string>): string {
  const base = dir === '/' ? 'root' : dir.slice(1).replace(/[^A-Za-z0-9_-]+/g, '-');
  let name = base === 'esp' ? 'esp-dir' : base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/** Each old item as a [sync:NAME], following rsync's trailing-slash and exclude rules exactly. */
export function translateItems(items: LegacyItem[], file: string, crossesFilesystems: boolean) {
  const out: TranslatedItem[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const taken = new Set<string>();
  for (const old of items) {
    const refuse = (problem: string, hint: string) =>
      new ConfigError({ file, key: 'sync' }, `${old.origin}: ${problem}`, hint);
    const bad = pathProblem(old.source);
    if (bad)
      throw refuse(
        `the source "${old.source}" cannot be translated: ${bad}`,
        'fix the source in the old file',
      );
    const source = legacySource(old.source);
    if (crossesFilesystems)
      throw refuse(
        'rsync_opts has no -x, so the old daemon also copied file systems mounted below the source; dualroot never crosses into another file system',
        'add -x to rsync_opts (what dualroot will do), or add an item per file system',
      );
    const destinations: string[] = [];
    for (const d of old.destinations) {
      const problem = pathProblem(d);
      if (problem)
        throw refuse(
          `the destination "${d}" cannot be translated: ${problem}`,
          'fix the destination in the old file',
        );
      const dest = destinationFor(source, d);
      if (destinations.includes(dest)) throw refuse(`${dest} is listed twice`, 'list each destination once');
      destinations.push(dest);
    }
    const exclude: string[] = [];
    const excludeComment: string[] = [];
    for (const pattern of old.exclude) {
      const t = translateExclude(source, pattern);
      if (t.kind === 'refuse')
        throw refuse(
          `the exclude "${pattern}" has no faithful equivalent: ${t.why}`,
          'change the pattern in the old file',
        );
      if (t.kind === 'drop') {
        warnings.push(`${old.origin}: the exclude "${pattern}" dropped: ${t.why}`);
        continue;
      }
      exclude.push(t.pattern);
      excludeComment.push(`"${pattern}" excluded ${t.meaning}`);
    }
    if (source.contents && !exclude.includes('/lost+found/')) {
      // The old tool always passed --exclude=/lost+found/, anchored where the contents start.
      exclude.push('/lost+found/');
      excludeComment.push(`/lost+found/: dual-root always excluded ${posix.join(source.dir, 'lost+found')}/`);
    }
    const twin = out.find((t) => t.item.source === source.dir);
    if (twin) {
      const same =
        twin.item.exclude.length === exclude.length && twin.item.exclude.every((e, i) => e === exclude[i]);
      if (!same)
        throw refuse(
          `${source.dir} is also the source of ${twin.origin}, with other excludes; dualroot has one exclude list per source`,
          'give both the same excludes in the old file',
        );
      const again = destinations.find((d) => twin.item.destinations.includes(d));
      if (again)
        throw refuse(`${again} is also a destination of ${twin.origin}`, 'list each destination once');
      twin.item.destinations.push(...destinations);
      twin.comment.push(`merged with ${old.origin}: the same source`);
      const keyOf = twin.keys.find((k) => k.key === 'destinations') as RenderedKey;
      keyOf.value = twin.item.destinations.join(', ');
      continue;
    }
    const name = itemName(source.dir, taken);
    const how = source.contents
      ? `"${old.source}" ends in a slash: rsync copied what is in ${source.dir} into each destination`
      : `"${old.source}" has no trailing slash: rsync copied the directory ${source.dir} itself into each destination`;
    const keys: RenderedKey[] = [
      { comment: [how], key: 'source', value: source.dir },
      {
        comment: old.destinations.map((d, i) => `${JSON.stringify(d)} → ${destinations[i]}`),
        key: 'destinations',
        value: destinations.join(', '),
      },
    ];
    if (exclude.length > 0) keys.push({ comment: excludeComment, key: 'exclude', value: exclude.join(', ') });
    if (inside(source.dir, '/efi') || inside(source.dir, '/boot'))
      warnings.push(
        `${old.origin}: if ${source.dir} is on an ESP (FAT), its copy fails with full metadata; sync ESPs with [esp] mounts = (both ESP mount points) instead`,
      );
    out.push({
      item: { name, source: source.dir, destinations, exclude },
      origin: old.origin,
      contents: source.contents,
      comment: [`from ${old.origin}`],
      keys,
    });
  }
  if (out.length > 0)
    notes.push(
      'sync items now run inside each pacman transaction (the hook) and from dualroot-watch; copies keep numeric owner ids and never cross into another file system',
    );
  return { items: out, notes, warnings };
}
