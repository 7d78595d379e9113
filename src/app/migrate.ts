import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseConfig, setsNothing } from '../core/config.js';
import { ConfigError, FailureError, UsageError } from '../core/errors.js';
import { type Migration, migrateLegacy } from '../core/migrate.js';
import { enclosingMount } from '../core/mountinfo.js';
import { installConfigFile, readIfPresent } from '../sys/config-install.js';
import { readMountinfo } from '../sys/mountinfo.js';
import { symlinkTarget } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';

/** What dualroot-migrate was asked to do. */
export interface MigrateOptions {
  /** The old config (default: paths.legacyConfig, or its .pacsave). */
  file: string | undefined;
  write: boolean;
  force: boolean;
}

/** The translation, where it came from, and what was installed. */
export interface MigrateResult {
  migration: Migration;
  source: string;
  /** Things about the machine now (destinations not mounted), not about the translation. */
  warnings: string[];
  notes: string[];
  installed: { file: string; backup: string | undefined } | undefined;
}

/** The old config to read: the one named, else the default, else the .pacsave pacman left when dual-root was removed. */
export function legacySource(paths: SystemPaths, file: string | undefined): { file: string; text: string } {
  const candidates = file ? [file] : [paths.legacyConfig, `${paths.legacyConfig}.pacsave`];
  for (const candidate of candidates) {
    const text = readIfPresent(candidate);
    if (text !== undefined) return { file: candidate, text };
  }
  throw new ConfigError(
    { file: candidates[0] as string },
    'does not exist',
    file ? 'name the old dual-root sync-daemon.conf' : 'name the old config: dualroot-migrate FILE',
  );
}

/** Translates the old config, proves the text parses back to the same config, and installs it when asked. */
export function migrateRun(paths: SystemPaths, options: MigrateOptions): MigrateResult {
  const { file: source, text } = legacySource(paths, options.file);
  const migration = migrateLegacy(text, source, paths.config);
  // The printed text is what will be installed: it must mean exactly the translated config.
  const back = parseConfig(migration.text, paths.config);
  if (!isDeepStrictEqual(back, migration.config))
    throw new FailureError(
      'the translated text does not parse back to the translation (a dualroot-migrate bug); nothing written',
    );
  for (const dir of migration.copiedItself) {
    const link = symlinkTarget(dir);
    const target = link === undefined ? undefined : resolve(dirname(dir), link);
    if (target !== undefined)
      throw new ConfigError(
        { file: source, key: 'sync' },
        `${dir} is a symbolic link (to ${link}): the old rsync, given it without a trailing slash, copied the link itself; dualroot would copy what it points to`,
        `sync ${target} instead (or drop the item: a link is the same on both disks once its target is synced)`,
      );
  }
  const notes = source.endsWith('.pacsave')
    ? [`read ${source}: pacman kept it when dual-root was removed`]
    : [];
  const warnings: string[] = [];
  let mounts: ReturnType<typeof readMountinfo> = [];
  try {
    mounts = readMountinfo(paths.mountinfo);
  } catch {
    warnings.push(`cannot read ${paths.mountinfo}: did not check which destinations are mounted`);
  }
  for (const item of migration.config.items)
    for (const dest of item.destinations) {
      const mount = enclosingMount(mounts, dest);
      if (mounts.length > 0 && (!mount || mount.mountPoint === '/'))
        warnings.push(
          `[sync:${item.name}] ${dest} is not on a mounted second disk now: translated anyway; dualroot-sync refuses to write it until its disk is mounted there`,
        );
    }
  let installed: MigrateResult['installed'];
  if (options.write) {
    const existing = readIfPresent(paths.config);
    if (existing !== undefined && !setsNothing(existing) && !options.force)
      throw new UsageError(
        `${paths.config} exists and sets options of its own; nothing written`,
        "compare it with dualroot-migrate's output, then run dualroot-migrate --write --force (the old file is kept as a .bak)",
      );
    installed = { file: paths.config, ...installConfigFile(paths.config, migration.text) };
  }
  return { migration, source, warnings, notes, installed };
}
