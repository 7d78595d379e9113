import type { Outcome } from './sync-engine.js';
import type { ItemStatus } from './watch-scheduler.js';

/** watch-state.json, documented in docs/dualroot-watch.md. */
export interface WatchState {
  version: 1;
  pid: number;
  test: boolean;
  config: string;
  started: string;
  updated: string;
  stopped: string | null;
  settings: { delay: number; maxDelay: number; sweep: number };
  items: Record<string, WatchItemState>;
}

/** One item in watch-state.json. */
export interface WatchItemState {
  source: string | null;
  watching: boolean;
  problem: string | null;
  phase: 'idle' | 'waiting' | 'due' | 'running';
  pending: boolean;
  pendingSince: string | null;
  lastSync: string | null;
  lastResult: Outcome | null;
  lastSuccess: string | null;
  message: string;
  syncs: number;
  /** Failed syncs in a row. */
  failures: number;
  /** When the next retry of a failed sync is due. */
  retryAt: string | null;
}

/** What the daemon knows of one item besides its queue state. */
export interface WatchedItem {
  status: ItemStatus;
  /** Where its source is being watched (undefined: unavailable). */
  source: string | undefined;
  watching: boolean;
  problem: string | undefined;
  message: string;
}

/** The facts watch-state.json is made from. */
export interface WatchStateInput {
  pid: number;
  test: boolean;
  config: string;
  settings: WatchState['settings'];
  started: Date;
  now: Date;
  /** When the daemon stopped; a stopped daemon watches nothing. */
  stopped: Date | undefined;
  items: Map<string, WatchedItem>;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Builds watch-state.json's content from the daemon's queue and watches. */
export function watchState(input: WatchStateInput): WatchState {
  const items: Record<string, WatchItemState> = {};
  for (const [name, { status: s, ...item }] of input.items) {
    items[name] = {
      source: item.source ?? null,
      watching: item.watching && !input.stopped,
      problem: item.problem ?? null,
      phase: s.phase,
      pending: s.pending,
      pendingSince: iso(s.pendingSince),
      lastSync: iso(s.lastEnd),
      lastResult: s.lastOutcome ?? null,
      lastSuccess: iso(s.lastSuccess),
      message: item.message,
      syncs: s.syncs,
      failures: s.failures,
      retryAt: iso(s.retryAt),
    };
  }
  return {
    version: 1,
    pid: input.pid,
    test: input.test,
    config: input.config,
    started: input.started.toISOString(),
    updated: input.now.toISOString(),
    stopped: input.stopped ? input.stopped.toISOString() : null,
    settings: input.settings,
    items,
  };
}
