import type { Config, IoClass } from '../core/config.js';
import { loadConfig } from '../sys/config-file.js';
import type { SystemPaths } from '../sys/paths.js';
import { WatchDaemon } from './watch-daemon.js';
import type { DaemonEvent, Log } from './watch-daemon-types.js';

/** How the daemon is told to stop or reload: process signals, or a test's own triggers. */
export interface WatchControl {
  /** Registers the handlers; returns a function that unregisters them. */
  attach(handlers: { stop: () => void; reload: () => void }): () => void;
  onEvent?: (event: DaemonEvent) => void;
}

/** dualroot-watch's run: the daemon, from start until it is told to stop (reloading when told). */
export async function watchRun(
  paths: SystemPaths,
  dryRun: boolean,
  log: Log,
  control: WatchControl,
  overrides: { ioClass?: IoClass | undefined } = {},
): Promise<void> {
  // The command line wins over the config file, on every reload too.
  const load = (): Config => {
    const config = loadConfig(paths);
    return overrides.ioClass ? { ...config, watch: { ...config.watch, ioClass: overrides.ioClass } } : config;
  };
  const daemon = new WatchDaemon({
    config: load(),
    paths,
    dryRun,
    log,
    reloadConfig: load,
    onEvent: control.onEvent,
  });
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let reloads = Promise.resolve();
  const detach = control.attach({
    stop: () => stopRequested(),
    reload: () => {
      reloads = reloads.then(() => daemon.reload());
    },
  });
  try {
    await Promise.race([daemon.start(), stopped]);
    await stopped;
    await reloads;
  } finally {
    // Also when starting failed: no watch, timer or sync may outlive the run.
    await daemon.stop();
    detach();
  }
}
