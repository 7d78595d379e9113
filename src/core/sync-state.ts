import type { SourceFs } from './source-identity.js';
import type { SyncReport } from './sync-engine.js';

/** Last result of one destination, as kept in sync-state.json. */
export interface DestinationState {
  time: string;
  ok: boolean;
  status: string;
  files: number;
  bytes: number;
  seconds: number;
  message: string;
  /** When this destination last synced successfully (kept across failed runs). */
  lastSuccess: string | null;
}

/** sync-state.json: per item, its source and per-destination last results. */
export interface SyncState {
  version: 1;
  items: Record<
    string,
    {
      source: string;
      /** The source's filesystem at the last successful copy (items only): a later run checks it is the same. */
      sourceFs?: SourceFs;
      destinations: Record<string, DestinationState>;
    }
  >;
}

/** Merges a run's results into the previous state (dry runs change nothing). */
export function mergeSyncState(previous: SyncState | undefined, report: SyncReport, now: Date): SyncState {
  const state: SyncState = previous?.version === 1 ? structuredClone(previous) : { version: 1, items: {} };
  if (report.dryRun) return state;
  for (const r of report.results) {
    const item = state.items[r.item] ?? { source: r.source, destinations: {} };
    item.source = r.source;
    const before = item.destinations[r.destination];
    const ok = r.status === 'ok';
    if (ok && r.sourceFs) item.sourceFs = r.sourceFs;
    item.destinations[r.destination] = {
      time: now.toISOString(),
      ok,
      status: r.status,
      files: r.changes?.files ?? 0,
      bytes: r.changes?.bytes ?? 0,
      seconds: Math.round(r.seconds * 1000) / 1000,
      message: r.message,
      lastSuccess: ok ? now.toISOString() : (before?.lastSuccess ?? null),
    };
    state.items[r.item] = item;
  }
  return state;
}
