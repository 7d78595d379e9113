import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import { inAutoEspMount } from './esp-mount-name.js';

const inside = (child: string, parent: string) =>
  child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);

/**
 * Refuses items whose sources and destinations overlap each other or an ESP mount. Run on the
 * configured text at load and again on resolved paths before each sync (symlinks).
 */
export function checkOverlaps(config: Config): void {
  const { file } = config;
  const espMount = (p: string) =>
    config.esp.mounts === 'auto' ? inAutoEspMount(p) : config.esp.mounts.some((m) => inside(p, m));
  const sources = new Map<string, string>();
  const destinations = new Map<string, string>();
  for (const item of config.items) {
    const section = `sync:${item.name}`;
    const error = (key: string, problem: string, hint: string) =>
      new ConfigError({ file, section, key }, problem, hint);
    const twin = [...sources].find(([, s]) => s === item.source);
    if (twin)
      throw error(
        'source',
        `${item.source} is also the source of [sync:${twin[0]}]`,
        'merge the two items or sync different directories',
      );
    sources.set(item.name, item.source);
    for (const dest of item.destinations) {
      if (inside(dest, item.source) || inside(item.source, dest))
        throw error(
          'destinations',
          `${dest} and the source ${item.source} overlap (one is inside the other)`,
          'a destination must live on another disk, outside its source',
        );
      if (espMount(dest))
        throw error(
          'destinations',
          `${dest} is inside an ESP mount, which the ESP sync owns`,
          'sync ESPs with [esp] and items elsewhere',
        );
      const other = [...destinations].find(([d]) => inside(dest, d) || inside(d, dest));
      if (other !== undefined)
        throw error(
          'destinations',
          other[0] === dest
            ? `${dest} is also a destination of [sync:${other[1]}]`
            : `${dest} and ${other[0]}, a destination of [sync:${other[1]}], overlap (one is inside the other): each run would delete the other's files`,
          'give each destination one source, and nest no destination inside another',
        );
      destinations.set(dest, item.name);
    }
  }
  for (const item of config.items) {
    for (const [dest, owner] of destinations) {
      if (inside(item.source, dest) || (owner !== item.name && inside(dest, item.source))) {
        throw new ConfigError(
          { file, section: `sync:${item.name}`, key: 'source' },
          `${item.source} overlaps ${dest}, a destination of [sync:${owner}]`,
          'a source must never be written by another item',
        );
      }
    }
  }
}
