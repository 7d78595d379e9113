import ini from 'ini';
import { bindTargetProblem } from './bind.js';
import { type Field, field } from './config-field.js';
import { checkOverlaps } from './config-overlaps.js';
import { scanConfigText } from './config-text.js';
import type { PartUuidPair } from './disk-map.js';
import { ConfigError } from './errors.js';
import { isGuid, normalizeGuid } from './guid.js';
import { rsyncOptionProblem, SAFE_RSYNC_OPTION_LIST } from './rsync-options.js';

/** The I/O classes of ionice -c, by name. */
export const IO_CLASSES = ['idle', 'best-effort', 'realtime'] as const;

/** I/O class for rsync children (ionice -c). */
export type IoClass = (typeof IO_CLASSES)[number];

/** A named approach-2 sync item: one source, one or more destinations. */
export interface SyncItem {
  name: string;
  source: string;
  destinations: string[];
  exclude: string[];
}

/** The whole validated configuration. */
export interface Config {
  /** File it came from (or would have); every error names it. */
  file: string;
  esp: { mounts: 'auto' | string[]; sync: boolean; exclude: string[] };
  bind: { target: string; guard: boolean };
  rsync: { options: string[]; lockTimeout: number };
  watch: { delay: number; maxDelay: number; sweep: number; nice: number; ioClass: IoClass };
  /** Partitions of two disks that correspond though position does not say so (PARTUUID pairs). */
  diskMap: { pairs: PartUuidPair[] };
  items: SyncItem[];
}

/** Defaults: approach 1 with ESPs at /efiN bound onto /boot. */
export function defaultConfig(file: string): Config {
  return {
    file,
    esp: { mounts: 'auto', sync: true, exclude: ['/loader/random-seed'] },
    bind: { target: '/boot', guard: true },
    rsync: { options: [], lockTimeout: 300 },
    watch: { delay: 2, maxDelay: 30, sweep: 900, nice: 15, ioClass: 'idle' },
    diskMap: { pairs: [] },
    items: [],
  };
}

/** Where one section's values go while it is parsed, and what is checked once all its keys are read. */
interface SectionParser<T> {
  /** The object its keys fill in (part of the config, or a new [sync:NAME] item). */
  open(config: Config, name: string, error: (problem: string, hint?: string) => ConfigError): T;
  /** One parser per key, in the order they are read; the known keys are exactly these. */
  keys: Record<string, (value: Field, into: T) => void>;
  close?(into: T, error: (key: string, problem: string, hint?: string) => ConfigError): void;
}

const parser = <T>(p: SectionParser<T>) => p as unknown as SectionParser<unknown>;

/** A key parser that sets one property when the key is there (else the default stays). */
const set =
  <T, K extends keyof T>(prop: K, read: (value: Field) => T[K] | undefined) =>
  (value: Field, into: T): void => {
    const v = read(value);
    if (v !== undefined) into[prop] = v;
  };

const esp = parser<Config['esp']>({
  open: (config) => config.esp,
  keys: {
    mounts: (v, esp) => {
      const mounts = v.text();
      if (mounts !== undefined && mounts !== 'auto') esp.mounts = v.paths() ?? [];
    },
    sync: set('sync', (v) => v.bool()),
    exclude: set('exclude', (v) => v.list()),
  },
});

const bind = parser<Config['bind']>({
  open: (config) => config.bind,
  keys: {
    target: set('target', (v) => {
      const target = v.path();
      const problem = target === undefined ? undefined : bindTargetProblem(target);
      if (problem) throw v.error(problem, 'use an empty directory of its own, such as /boot (the default)');
      return target;
    }),
    guard: set('guard', (v) => v.bool()),
  },
});

const rsync = parser<Config['rsync']>({
  open: (config) => config.rsync,
  keys: {
    options: (v, rsync) => {
      const options = v.text();
      if (options !== undefined) rsync.options = parseRsyncOptions(v, options);
    },
    lock_timeout: set('lockTimeout', (v) => v.number(0, 86400)),
  },
});

const watch = parser<Config['watch']>({
  open: (config) => config.watch,
  keys: {
    delay: set('delay', (v) => v.number(0, 3600)),
    max_delay: set('maxDelay', (v) => v.number(0, 86400)),
    sweep: set('sweep', (v) => v.number(1, 86400)),
    nice: set('nice', (v) => v.number(-20, 19)),
    io_class: (v, w) => {
      const ioClass = v.text();
      if (ioClass === undefined) return;
      const known = IO_CLASSES.find((c) => c === ioClass);
      if (!known) throw v.error(`"${ioClass}" is not an I/O class`, 'use idle, best-effort or realtime');
      w.ioClass = known;
    },
  },
  close(w, error) {
    if (w.maxDelay < w.delay)
      throw error(
        'max_delay',
        `${w.maxDelay} is less than delay (${w.delay})`,
        'max_delay must be at least delay',
      );
  },
});

/** [disk-map] pairs = PARTUUID:PARTUUID, ...: partitions of two disks that play the same part. */
const diskMap = parser<Config['diskMap']>({
  open: (config) => config.diskMap,
  keys: {
    pairs: (v, map) => {
      map.pairs = (v.list() ?? []).map((pair) => {
        const halves = pair.split(':').map((h) => h.trim());
        if (halves.length !== 2 || !halves.every(isGuid))
          throw v.error(
            `"${pair}" is not two PARTUUIDs joined by ":"`,
            'write each pair as PARTUUID:PARTUUID (blkid -s PARTUUID shows them), comma-separated',
          );
        const [a, b] = halves.map(normalizeGuid) as [string, string];
        if (a === b)
          throw v.error(`"${pair}" pairs a partition with itself`, 'name one partition of each disk');
        return [a, b] as const;
      });
    },
  },
});

/** [sync:NAME]: a new item, added to the config once its keys are read. */
const item = parser<SyncItem>({
  open(config, name, error) {
    const itemName = name.slice('sync:'.length);
    if (!/^[A-Za-z0-9_-]+$/.test(itemName))
      throw error(`item name "${itemName}" is not a plain name`, 'use letters, digits, "-" and "_"');
    if (itemName === 'esp') throw error('"esp" is reserved for the ESP sync', 'pick another name');
    const item: SyncItem = { name: itemName, source: '', destinations: [], exclude: [] };
    config.items.push(item);
    return item;
  },
  keys: {
    source: (v, item) => {
      const source = v.path();
      if (source === undefined) throw v.error('missing', 'every [sync:NAME] needs source = /absolute/path');
      item.source = source;
    },
    destinations: (v, item) => {
      const destinations = v.paths();
      if (!destinations || destinations.length === 0)
        throw v.error('missing', 'list one or more absolute paths, comma-separated');
      item.destinations = destinations;
    },
    exclude: (v, item) => {
      item.exclude = v.list() ?? [];
    },
  },
});

/** The sections a config may have, by name ([sync:NAME] by its prefix). */
const SECTIONS: Record<string, SectionParser<unknown>> = {
  esp,
  bind,
  rsync,
  watch,
  'disk-map': diskMap,
  'sync:': item,
};

const sectionParser = (name: string) => {
  const kind = name.startsWith('sync:') ? 'sync:' : name;
  return Object.hasOwn(SECTIONS, kind) ? SECTIONS[kind] : undefined;
};

/** True when config text sets no key at all (the shipped sample, all comments): nothing of the administrator's to keep. */
export function setsNothing(text: string): boolean {
  return Object.values(ini.parse(text)).every(
    (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0,
  );
}

/** Parses and validates config text; every problem is a ConfigError naming file, section and key. */
export function parseConfig(text: string, file: string): Config {
  const config = defaultConfig(file);
  const scanned = scanConfigText(text, file);
  let raw: Record<string, unknown>;
  try {
    raw = ini.parse(scanned.text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError({ file }, `not valid INI: ${(error as Error).message}`);
  }
  for (const { name, line, keys } of scanned.sections) {
    const section = sectionParser(name);
    if (!section)
      throw new ConfigError(
        { file, line, section: name },
        'unknown section',
        'sections are [esp], [bind], [rsync], [watch], [disk-map] and [sync:NAME] (NAME without dots)',
      );
    const known = Object.keys(section.keys);
    for (const [key, at] of keys)
      if (!known.includes(key))
        throw new ConfigError(
          { file, line: at.line, section: name, key },
          'unknown key',
          `keys in [${name}] are: ${known.join(', ')}`,
        );
    const values = (raw[name] ?? {}) as Record<string, unknown>;
    const into = section.open(
      config,
      name,
      (problem, hint) => new ConfigError({ file, line, section: name }, problem, hint),
    );
    for (const [key, parse] of Object.entries(section.keys)) {
      const at = keys.get(key);
      parse(field(file, name, key, at ? values[key] : undefined, at?.line), into);
    }
    section.close?.(
      into,
      (key, problem, hint) =>
        new ConfigError({ file, line: keys.get(key)?.line, section: name, key }, problem, hint),
    );
  }
  checkOverlaps(config);
  return config;
}

/** Splits rsync options on whitespace; each must be on the allowlist of options known to be safe. */
function parseRsyncOptions(value: Field, text: string): string[] {
  const options = text.split(/\s+/).filter(Boolean);
  // A path among the options is the likelier mistake: name it first.
  const words = [...options.filter((o) => !o.startsWith('-')), ...options];
  for (const o of words) {
    const problem = rsyncOptionProblem(o);
    if (problem)
      throw value.error(
        problem,
        o.startsWith('-')
          ? `remove it; allowed: ${SAFE_RSYNC_OPTION_LIST}`
          : 'options start with "-"; paths belong in [sync:NAME]',
      );
  }
  return options;
}
