import { parse as parseToml, TomlError } from 'smol-toml';
import { type Config, defaultConfig, type IoClass, type SyncItem } from './config.js';
import { checkOverlaps } from './config-overlaps.js';
import { ConfigError } from './errors.js';
import { legacyItems, translateItems } from './migrate-items.js';
import { type RenderedKey, type RenderedSection, renderConfig } from './migrate-render.js';
import { LEGACY_DEFAULT_RSYNC_OPTS, translateRsyncOpts } from './migrate-rsync.js';

/** The keys dual-root 3.6's sync-daemon.conf knows. */
const LEGACY_KEYS = ['dualroot', 'rsync_opts', 'nice', 'ionice_class', 'ionice_value', 'sync_delay', 'sync'];

/** The new config translated from the old one: the text to install, the values it holds, and what to tell the administrator. */
export interface Migration {
  config: Config;
  text: string;
  notes: string[];
  warnings: string[];
  /** Sources the old rsync copied as themselves (no trailing slash): if one is a symlink, rsync copied the link, dualroot would follow it. */
  copiedItself: string[];
}

/** The 1-based line where a top-level key is set in TOML text, for "came from" comments. */
export function keyLine(text: string, key: string): number | undefined {
  const index = text.split('\n').findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
  return index < 0 ? undefined : index + 1;
}

/** Parses TOML; a syntax error names the line (and column) it is on. */
export function parseLegacyToml(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError)
      throw new ConfigError(
        { file },
        `not valid TOML at line ${error.line}, column ${error.column}: ${error.message.split('\n')[0]}`,
        'fix that line (dual-root read this file as TOML too), then run dualroot-migrate again',
      );
    throw error;
  }
}

const IONICE: Record<number, IoClass> = { 0: 'best-effort', 1: 'realtime', 2: 'best-effort', 3: 'idle' };

/**
 * Translates dual-root's sync-daemon.conf (TOML) into dualroot.conf: every old setting either
 * maps to a new key (with a comment saying where it came from), is dropped with a note saying
 * why that is the same behaviour, or is refused (ConfigError naming the old file and key) when
 * dualroot cannot do exactly what the old tool did.
 */
export function migrateLegacy(text: string, file: string, newFile: string): Migration {
  const raw = parseLegacyToml(text, file);
  const config = defaultConfig(newFile);
  const notes: string[] = [];
  const warnings: string[] = [];
  const refuse = (key: string, problem: string, hint?: string) =>
    new ConfigError({ file, key }, problem, hint);
  const from = (key: string) => {
    const line = keyLine(text, key);
    return `${file}${line ? ` line ${line}` : ''}`;
  };
  for (const key of Object.keys(raw))
    if (!LEGACY_KEYS.includes(key))
      throw refuse(
        key,
        'not a dual-root 3.6 setting',
        `the old keys are: ${LEGACY_KEYS.join(', ')}; remove it`,
      );
  const sections: RenderedSection[] = [];

  // dualroot: true (the default) synced the /efiN ESPs from the booted one; false only the list.
  const dualroot = raw.dualroot ?? true;
  if (typeof dualroot !== 'boolean')
    throw refuse('dualroot', `${JSON.stringify(dualroot)} is not true or false`);
  config.esp.sync = dualroot;
  sections.push({
    name: 'esp',
    comment: [],
    keys: [
      {
        comment: [
          raw.dualroot === undefined
            ? `dualroot not set in ${file} (its default, true): keep every /efiN ESP identical to the booted one`
            : `dualroot = ${dualroot} (${from('dualroot')}): ${dualroot ? 'keep every /efiN ESP identical to the booted one' : 'do not sync /efiN ESPs, only the items below'}`,
        ],
        key: 'sync',
        value: String(dualroot),
      },
    ],
  });

  const optsText = raw.rsync_opts ?? LEGACY_DEFAULT_RSYNC_OPTS;
  if (typeof optsText !== 'string')
    throw refuse('rsync_opts', 'not a string', 'write the options as one string, e.g. "-axHAX"');
  const opts = translateRsyncOpts(optsText);
  if ('refuse' in opts) throw refuse('rsync_opts', opts.refuse, 'remove that option from rsync_opts');
  notes.push(...opts.notes);
  warnings.push(...opts.warnings);

  const items = legacyItems(raw.sync, text, file);
  const translated = translateItems(items, file, opts.crossesFilesystems);
  config.items = translated.items.map((i): SyncItem => i.item);
  notes.push(...translated.notes);
  warnings.push(...translated.warnings);

  if (config.items.length > 0) {
    // The old tool always added --no-specials: sockets and FIFOs were never copied.
    config.rsync.options = ['--no-specials', ...opts.carried];
    sections.push({
      name: 'rsync',
      comment: [],
      keys: [
        {
          comment: [
            'dual-root always passed --no-specials (sockets and FIFOs are not copied)',
            ...(opts.carried.length
              ? [`${opts.carried.join(' ')}: from rsync_opts (${from('rsync_opts')})`]
              : []),
          ],
          key: 'options',
          value: config.rsync.options.join(' '),
        },
      ],
    });
  }

  sections.push(watchSection(raw, config, refuse, from, notes, warnings));
  for (const t of translated.items)
    sections.push({ name: `sync:${t.item.name}`, comment: t.comment, keys: t.keys });

  try {
    checkOverlaps(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const owner = translated.items.find((t) => `sync:${t.item.name}` === error.section);
    throw refuse(
      'sync',
      `${owner ? `${owner.origin}: ` : ''}${error.message.slice(error.message.indexOf(': ') + 2)}`,
      error.hint,
    );
  }
  if (!config.esp.sync && config.items.length === 0)
    warnings.push(`${file} syncs nothing (dualroot = false and no sync items): neither will dualroot`);
  const header = [
    `dualroot.conf, translated by dualroot-migrate from ${file} (dual-root 3.6).`,
    'Each setting says what it came from; see dualroot.conf(5) and /usr/share/doc/dualroot/migrating.md.',
    'Must stay owned by root and not writable by group or others.',
  ];
  const copiedItself = translated.items.filter((t) => !t.contents).map((t) => t.item.source);
  return { config, text: renderConfig(header, sections), notes, warnings, copiedItself };
}

/** [watch] from nice, ionice_class, ionice_value and sync_delay, each mapping said in a comment. */
function watchSection(
  raw: Record<string, unknown>,
  config: Config,
  refuse: (key: string, problem: string, hint?: string) => ConfigError,
  from: (key: string) => string,
  notes: string[],
  warnings: string[],
): RenderedSection {
  const keys: RenderedKey[] = [];
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' && typeof v !== 'bigint')
      throw refuse(key, `${JSON.stringify(v)} is not a number`);
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw refuse(key, `${n} is not a whole number from ${min} to ${max}`);
    return n;
  };
  const nice = int('nice', -20, 19) ?? 15;
  config.watch.nice = nice;
  keys.push({
    comment: [
      `${raw.nice === undefined ? 'nice not set (its default, 15)' : `nice = ${nice} (${from('nice')})`}: the rsync children's nice level`,
    ],
    key: 'nice',
    value: String(nice),
  });
  const cls = int('ionice_class', 0, 3) ?? 3;
  config.watch.ioClass = IONICE[cls] as IoClass;
  keys.push({
    comment: [
      `${raw.ionice_class === undefined ? 'ionice_class not set (its default, 3)' : `ionice_class = ${cls} (${from('ionice_class')})`}: class ${cls} is ${config.watch.ioClass}${cls === 0 ? ' (class 0, "none", is best-effort at a level set by nice)' : ''}`,
    ],
    key: 'io_class',
    value: config.watch.ioClass,
  });
  const level = int('ionice_value', 0, 7);
  if (level !== undefined) {
    if (cls === 1 || cls === 2)
      warnings.push(
        `ionice_value = ${level} (${from('ionice_value')}) dropped: dualroot runs rsync at its I/O class's default level (4)`,
      );
    else
      notes.push(
        `ionice_value (${from('ionice_value')}) dropped: class ${cls} has no level, the old tool ignored it too`,
      );
  }
  const delay = raw.sync_delay;
  if (delay === undefined) {
    notes.push(
      'sync_delay not set (300 s between queue runs): dualroot-watch instead syncs 2 s after changes stop, 30 s at most after the first',
    );
  } else {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > 86400)
      throw refuse('sync_delay', `${JSON.stringify(delay)} is not a number of seconds from 0 to 86400`);
    // Old: at least sync_delay between runs. New: a sync at the latest max_delay after the first
    // unsynced change, sooner when changes stop for delay seconds: the same bound on how often.
    config.watch.maxDelay = delay;
    if (delay < config.watch.delay) config.watch.delay = delay;
    keys.push({
      comment: [
        `sync_delay = ${delay} (${from('sync_delay')}): the old daemon let at least that long pass between queue runs;`,
        `dualroot syncs when changes stop for [watch] delay (${config.watch.delay} s), and during continuous changes at the latest ${delay} s after the first`,
      ],
      key: 'max_delay',
      value: String(delay),
    });
    if (delay < 2)
      keys.push({
        comment: ['at most sync_delay, as max_delay must be'],
        key: 'delay',
        value: String(delay),
      });
  }
  return { name: 'watch', comment: [], keys };
}
