import { readFileSync, statSync } from 'node:fs';
import { type Config, defaultConfig, parseConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { SystemPaths } from './paths.js';

/**
 * Loads the config: defaults when the default file is absent (a file named on the command line or
 * in DUALROOT_CONFIG must exist); refuses one that anyone but root could change.
 */
export function loadConfig(
  from: string | Pick<SystemPaths, 'config' | 'configRequired'>,
  options: { requireRootOwned?: boolean } = {},
): Config {
  const { config: file, configRequired } = typeof from === 'string' ? { config: from } : from;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !configRequired) return defaultConfig(file);
    // A mistyped --config must not run with the defaults (every [sync:NAME] item dropped).
    if (code === 'ENOENT')
      throw new ConfigError(
        { file },
        'does not exist (named by --config or DUALROOT_CONFIG)',
        'check the path; without --config and DUALROOT_CONFIG dualroot reads /etc/dualroot/dualroot.conf',
      );
    throw new ConfigError({ file }, `cannot read: ${(error as Error).message}`);
  }
  if (!stat.isFile())
    throw new ConfigError({ file }, 'is not a regular file', 'point --config or DUALROOT_CONFIG at the file');
  if (options.requireRootOwned !== false) {
    // dualroot runs as root and hands these paths to rsync --delete: only root may decide them.
    if (stat.uid !== 0) {
      throw new ConfigError({ file }, `owned by uid ${stat.uid}, not root`, `chown root:root ${file}`);
    }
    if ((stat.mode & 0o022) !== 0) {
      throw new ConfigError(
        { file },
        `writable by group or others (mode ${(stat.mode & 0o777).toString(8)})`,
        `chmod go-w ${file}`,
      );
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError({ file }, `cannot read: ${(error as Error).message}`);
  }
  return parseConfig(text, file);
}
