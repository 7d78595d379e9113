// The daemon's types and its real clock, apart from its loop (watch-daemon.ts).
import type { Config } from '../core/config.js';
import type { SchedulerEvent, Timers } from '../core/watch-scheduler.js';
import type { SystemPaths } from '../sys/paths.js';
import type { TreeWatch } from '../sys/watcher.js';
import type { Source } from './watch-sources.js';

/** Where the daemon logs (cli's Logger). */
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** Everything the daemon reports to an observer (tests, benchmarks). */
export type DaemonEvent =
  | SchedulerEvent
  | { type: 'armed'; item: string; source: string }
  | { type: 'degraded'; item: string; problem: string }
  | { type: 'reloaded' }
  | { type: 'reload-failed'; message: string }
  | { type: 'stopped' };

/** Options of one daemon. */
export interface WatchDaemonOptions {
  config: Config;
  paths: SystemPaths;
  /** --test: dry-run syncs, no state file. */
  dryRun: boolean;
  log: Log;
  /** Reads the config again (SIGHUP); throws when it is bad. */
  reloadConfig: () => Config;
  onEvent?: (event: DaemonEvent) => void;
  timers?: Timers;
  mountCheckMs?: number;
}

/** One item's watch: its source, the live watch of it, and what was last logged and recorded. */
export interface Armed {
  source: Source;
  watch: TreeWatch | undefined;
  /** Last problem logged, so a lasting problem is logged once. */
  problem: string | undefined;
  message: string;
}

/** The clock of a real daemon. */
export const realTimers: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
