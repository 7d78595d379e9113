import { join } from 'node:path';
import { setsNothing } from '../core/config.js';
import { migrateLegacy } from '../core/migrate.js';
import { installConfigFile, readIfPresent } from '../sys/config-install.js';
import type { SystemPaths } from '../sys/paths.js';
import { legacySource } from './migrate.js';

/** The config dual-root-tool's programs read, and why that one. */
export interface LegacyConfigChoice {
  config: string;
  note: string | undefined;
}

/**
 * dualroot.conf when it sets anything (or when no old config exists); otherwise the old config,
 * translated exactly as dualroot-migrate would and written into the run directory for the
 * programs to read. An old config named with -c is always the one translated.
 */
export function legacyConfigChoice(paths: SystemPaths, conf: string | undefined): LegacyConfigChoice {
  if (conf === undefined) {
    const current = readIfPresent(paths.config);
    if (current !== undefined && !setsNothing(current)) return { config: paths.config, note: undefined };
    if (readIfPresent(paths.legacyConfig) === undefined) return { config: paths.config, note: undefined };
  }
  const { file, text } = legacySource(paths, conf);
  const translated = join(paths.runDir, 'dual-root-tool.conf');
  installConfigFile(translated, migrateLegacy(text, file, translated).text);
  return {
    config: translated,
    note: `read ${file} through dualroot-migrate's translation (${translated}); install it for good with dualroot-migrate --write`,
  };
}
