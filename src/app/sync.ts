import type { Config } from '../core/config.js';
import { DualrootError } from '../core/errors.js';
import type { Booted } from '../core/esp.js';
import type { SyncReport } from '../core/sync-engine.js';
import { loadConfig } from '../sys/config-file.js';
import type { SystemPaths } from '../sys/paths.js';
import { hookSkipReason } from './hook.js';
import { syncOnce } from './sync-run.js';

/** How a dualroot-sync run went: skipped (as a hook), stopped by a bad config (as a hook), or ran. */
export type SyncRun =
  | { kind: 'skipped'; reason: string }
  | { kind: 'bad-config'; error: DualrootError }
  | { kind: 'ran'; report: SyncReport & { booted: Booted | undefined } };

/** dualroot-sync's run: one sync of everything; as a pacman hook, a bad config is reported, not thrown. */
export async function syncRun(
  paths: SystemPaths,
  options: { dryRun: boolean; hook: boolean; allowMassDelete?: boolean; allowSourceChange?: boolean },
): Promise<SyncRun> {
  if (options.hook) {
    const reason = hookSkipReason(paths);
    if (reason) return { kind: 'skipped', reason };
  }
  let config: Config;
  try {
    config = loadConfig(paths);
  } catch (error) {
    if (!options.hook || !(error instanceof DualrootError)) throw error;
    return { kind: 'bad-config', error };
  }
  return {
    kind: 'ran',
    report: await syncOnce({
      config,
      paths,
      dryRun: options.dryRun,
      allowMassDelete: options.allowMassDelete ?? false,
      allowSourceChange: options.allowSourceChange ?? false,
    }),
  };
}
