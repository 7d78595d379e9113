import { bootedEspUnmounted, espMountOf, presentEsp } from '../core/booted-esp.js';
import type { Config } from '../core/config.js';
import { canonical, dirIdentity } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { bootedOf, espMountsOf, readMachine } from './machine.js';

/** Where an item's source is now, or why it is unavailable. */
export interface Source {
  path: string | undefined;
  problem: string | undefined;
  /** Changes when the directory is another one (remounted, recreated): the watch must be re-armed. */
  identity: string;
  exclude: string[];
}

/** Finds every item's source: the booted ESP (when ESPs are synced) and each [sync:NAME] source. */
export async function findSources(config: Config, paths: SystemPaths): Promise<Map<string, Source>> {
  const sources = new Map<string, Source>();
  if (config.esp.sync) sources.set('esp', await espSource(config, paths));
  for (const item of config.items) {
    const path = canonical(item.source);
    const identity = dirIdentity(path);
    sources.set(
      item.name,
      identity === undefined
        ? {
            path: undefined,
            problem: `${item.source} does not exist or is not a directory`,
            identity: '',
            exclude: item.exclude,
          }
        : { path, problem: undefined, identity, exclude: item.exclude },
    );
  }
  return sources;
}

/** The booted ESP's mount point (the ESP mount, never the /boot bind of it). */
async function espSource(config: Config, paths: SystemPaths): Promise<Source> {
  const exclude = config.esp.exclude;
  const missing = (problem: string): Source => ({ path: undefined, problem, identity: '', exclude });
  try {
    const machine = await readMachine(paths);
    const esp = presentEsp(bootedOf(machine));
    const mounts = espMountsOf(config, paths).map(canonical);
    const path = espMountOf(esp, mounts, machine.mounts);
    if (!path) return missing(bootedEspUnmounted(esp, mounts).message);
    const identity = dirIdentity(path);
    return identity === undefined
      ? missing(`${path} cannot be read`)
      : { path, problem: undefined, identity: `${esp.majorMinor}:${identity}`, exclude };
  } catch (error) {
    return missing((error as Error).message);
  }
}
