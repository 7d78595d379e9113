import { readFileSync, statSync } from 'node:fs';
import { type Config, defaultConfig, parseConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

/** Loads the config: defaults when the file is absent; refuses one that anyone but root could change. */
export function loadConfig(file: string, options: { requireRootOwned?: boolean } = {}): Config {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig(file);
    throw new ConfigError({ file }, `cannot read: ${(error as Error).message}`);
  }
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
