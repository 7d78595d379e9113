import { listDisks } from '../sys/block.js';
import type { SystemPaths } from '../sys/paths.js';

/** The disks a DEVICE argument can name, for the shell completions. */
export function completionDevices(paths: SystemPaths): string[] {
  return listDisks(paths.sysfs);
}
