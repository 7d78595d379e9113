// The run directory ($DUALROOT_RUN_DIR, /run/dualroot): the one lock every writer takes, and the
// two state files the programs leave for dualroot-status (sync-state.json, watch-state.json; see
// docs/dualroot-status.md and docs/dualroot-watch.md).
import { join } from 'node:path';
import type { SyncState } from '../core/sync-state.js';
import type { WatchState } from '../core/watch-state.js';
import type { LockSpec } from './lock.js';
import type { SystemPaths } from './paths.js';
import { readState, writeFileAtomic } from './state.js';

/** The lock every sync run takes (pacman hook, daemon, by hand). */
export function syncLock(paths: SystemPaths, timeoutSeconds: number): LockSpec {
  return { file: join(paths.runDir, 'sync.lock'), timeoutSeconds };
}

/** A JSON state file in the run directory, typed. */
export interface StateFile<T> {
  path(paths: SystemPaths): string;
  /** Its content; undefined when absent or unreadable (state is advisory). */
  read(paths: SystemPaths): T | undefined;
  /** Writes it atomically. */
  write(paths: SystemPaths, state: T): void;
}

function stateFile<T>(name: string): StateFile<T> {
  const path = (paths: SystemPaths) => join(paths.runDir, name);
  return {
    path,
    read: (paths) => readState<T>(path(paths)),
    write: (paths, state) => writeFileAtomic(path(paths), `${JSON.stringify(state, null, 2)}\n`),
  };
}

/** Each destination's last sync result; written by every sync run, under the sync lock. */
export const syncStateFile: StateFile<SyncState> = stateFile('sync-state.json');

/** The daemon's state; written by dualroot-watch only. */
export const watchStateFile: StateFile<WatchState> = stateFile('watch-state.json');
