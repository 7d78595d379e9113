import { isAbsolute, posix } from 'node:path';
import ini from 'ini';
import { ConfigError } from './errors.js';

/** I/O class for rsync children (ionice -c). */
export type IoClass = 'idle' | 'best-effort' | 'realtime';

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
    items: [],
  };
}

type Raw = Record<string, unknown>;
type Reader = {
  bool(key: string): boolean | undefined;
  number(key: string, min: number, max: number): number | undefined;
  path(key: string): string | undefined;
  paths(key: string): string[] | undefined;
  list(key: string): string[] | undefined;
  text(key: string): string | undefined;
};

const KNOWN: Record<string, string[]> = {
  esp: ['mounts', 'sync', 'exclude'],
  bind: ['target', 'guard'],
  rsync: ['options', 'lock_timeout'],
  watch: ['delay', 'max_delay', 'sweep', 'nice', 'io_class'],
  item: ['source', 'destinations', 'exclude'],
};

/** Parses and validates config text; every problem is a ConfigError naming file, section and key. */
export function parseConfig(text: string, file: string): Config {
  const config = defaultConfig(file);
  let raw: Raw;
  try {
    raw = ini.parse(text) as Raw;
  } catch (error) {
    throw new ConfigError(file, undefined, undefined, `not valid INI: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(
        file,
        undefined,
        name,
        'key outside any section',
        'put it under [esp], [bind], [rsync], [watch] or [sync:NAME]',
      );
    }
    const isItem = name.startsWith('sync:');
    const kind = isItem ? 'item' : name;
    const known = KNOWN[kind];
    if (!known) {
      throw new ConfigError(
        file,
        name,
        undefined,
        'unknown section',
        'sections are [esp], [bind], [rsync], [watch] and [sync:NAME] (NAME without dots)',
      );
    }
    const section = value as Raw;
    for (const [key, v] of Object.entries(section)) {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        throw new ConfigError(
          file,
          `${name}.${key}`,
          undefined,
          'section names cannot contain "."',
          'use [sync:NAME] with a plain NAME',
        );
      }
      if (!known.includes(key)) {
        throw new ConfigError(file, name, key, 'unknown key', `keys in [${name}] are: ${known.join(', ')}`);
      }
    }
    const r = reader(file, name, section);
    if (kind === 'esp') {
      const mounts = r.text('mounts');
      if (mounts !== undefined && mounts !== 'auto') config.esp.mounts = r.paths('mounts') ?? [];
      config.esp.sync = r.bool('sync') ?? config.esp.sync;
      config.esp.exclude = r.list('exclude') ?? config.esp.exclude;
    } else if (kind === 'bind') {
      config.bind.target = r.path('target') ?? config.bind.target;
      config.bind.guard = r.bool('guard') ?? config.bind.guard;
    } else if (kind === 'rsync') {
      const options = r.text('options');
      if (options !== undefined) config.rsync.options = parseRsyncOptions(file, name, options);
      config.rsync.lockTimeout = r.number('lock_timeout', 0, 86400) ?? config.rsync.lockTimeout;
    } else if (kind === 'watch') {
      config.watch.delay = r.number('delay', 0, 3600) ?? config.watch.delay;
      config.watch.maxDelay = r.number('max_delay', 0, 86400) ?? config.watch.maxDelay;
      config.watch.sweep = r.number('sweep', 1, 86400) ?? config.watch.sweep;
      config.watch.nice = r.number('nice', -20, 19) ?? config.watch.nice;
      const ioClass = r.text('io_class');
      if (ioClass !== undefined) {
        if (ioClass !== 'idle' && ioClass !== 'best-effort' && ioClass !== 'realtime') {
          throw new ConfigError(
            file,
            name,
            'io_class',
            `"${ioClass}" is not an I/O class`,
            'use idle, best-effort or realtime',
          );
        }
        config.watch.ioClass = ioClass;
      }
      if (config.watch.maxDelay < config.watch.delay) {
        throw new ConfigError(
          file,
          name,
          'max_delay',
          `${config.watch.maxDelay} is less than delay (${config.watch.delay})`,
          'max_delay must be at least delay',
        );
      }
    } else {
      const itemName = name.slice('sync:'.length);
      if (!/^[A-Za-z0-9_-]+$/.test(itemName)) {
        throw new ConfigError(
          file,
          name,
          undefined,
          `item name "${itemName}" is not a plain name`,
          'use letters, digits, "-" and "_"',
        );
      }
      if (itemName === 'esp')
        throw new ConfigError(
          file,
          name,
          undefined,
          '"esp" is reserved for the ESP sync',
          'pick another name',
        );
      const source = r.path('source');
      if (source === undefined)
        throw new ConfigError(
          file,
          name,
          'source',
          'missing',
          'every [sync:NAME] needs source = /absolute/path',
        );
      const destinations = r.paths('destinations');
      if (!destinations || destinations.length === 0) {
        throw new ConfigError(
          file,
          name,
          'destinations',
          'missing',
          'list one or more absolute paths, comma-separated',
        );
      }
      config.items.push({ name: itemName, source, destinations, exclude: r.list('exclude') ?? [] });
    }
  }
  checkOverlaps(config);
  return config;
}

/** Splits rsync options on whitespace; each must be an option, and none may undo dualroot's safety. */
function parseRsyncOptions(file: string, section: string, text: string): string[] {
  const options = text.split(/\s+/).filter(Boolean);
  for (const o of options) {
    if (!o.startsWith('-'))
      throw new ConfigError(
        file,
        section,
        'options',
        `"${o}" is not an rsync option`,
        'options start with "-"; paths belong in [sync:NAME]',
      );
    if (/^--(remove-source-files|inplace|append|no-delay-updates|write-devices)/.test(o)) {
      throw new ConfigError(
        file,
        section,
        'options',
        `"${o}" would defeat dualroot's safety rules`,
        'remove it',
      );
    }
  }
  return options;
}

function reader(file: string, section: string, raw: Raw): Reader {
  const text = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) return v.map(String).join(',');
    return String(v).trim();
  };
  const list = (key: string) => {
    const v = text(key);
    return v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  };
  const checkPath = (key: string, p: string) => {
    if (!isAbsolute(p))
      throw new ConfigError(
        file,
        section,
        key,
        `"${p}" is a relative path`,
        'use an absolute path (starting with /)',
      );
    const normal = posix.normalize(p);
    return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
  };
  return {
    text,
    list,
    bool(key) {
      const v = raw[key];
      if (v === undefined) return undefined;
      if (typeof v === 'boolean') return v;
      const s = String(v).toLowerCase();
      if (['yes', 'on', '1'].includes(s)) return true;
      if (['no', 'off', '0'].includes(s)) return false;
      throw new ConfigError(file, section, key, `"${String(v)}" is not a boolean`, 'use true or false');
    },
    number(key, min, max) {
      const v = text(key);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < min || n > max) {
        throw new ConfigError(
          file,
          section,
          key,
          `"${v}" is not a number from ${min} to ${max}`,
          `set a number from ${min} to ${max}`,
        );
      }
      return n;
    },
    path(key) {
      const v = text(key);
      return v === undefined ? undefined : checkPath(key, v);
    },
    paths(key) {
      return list(key)?.map((p) => checkPath(key, p));
    },
  };
}

const inside = (child: string, parent: string) =>
  child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);

function checkOverlaps(config: Config): void {
  const { file } = config;
  const espMount = (p: string) =>
    config.esp.mounts === 'auto' ? /^\/efi\d+(\/|$)/.test(p) : config.esp.mounts.some((m) => inside(p, m));
  const sources = new Map<string, string>();
  const destinations = new Map<string, string>();
  for (const item of config.items) {
    const section = `sync:${item.name}`;
    const twin = [...sources].find(([, s]) => s === item.source);
    if (twin)
      throw new ConfigError(
        file,
        section,
        'source',
        `${item.source} is also the source of [sync:${twin[0]}]`,
        'merge the two items or sync different directories',
      );
    sources.set(item.name, item.source);
    for (const dest of item.destinations) {
      if (inside(dest, item.source) || inside(item.source, dest)) {
        throw new ConfigError(
          file,
          section,
          'destinations',
          `${dest} and the source ${item.source} overlap (one is inside the other)`,
          'a destination must live on another disk, outside its source',
        );
      }
      if (espMount(dest))
        throw new ConfigError(
          file,
          section,
          'destinations',
          `${dest} is inside an ESP mount, which the ESP sync owns`,
          'sync ESPs with [esp] and items elsewhere',
        );
      const other = destinations.get(dest);
      if (other !== undefined)
        throw new ConfigError(
          file,
          section,
          'destinations',
          `${dest} is also a destination of [sync:${other}]`,
          'give each destination one source',
        );
      destinations.set(dest, item.name);
    }
  }
  for (const item of config.items) {
    for (const [dest, owner] of destinations) {
      if (inside(item.source, dest) || (owner !== item.name && inside(dest, item.source))) {
        throw new ConfigError(
          file,
          `sync:${item.name}`,
          'source',
          `${item.source} overlaps ${dest}, a destination of [sync:${owner}]`,
          'a source must never be written by another item',
        );
      }
    }
  }
}
