// What dualroot-watch logs, worded apart from the loop that decides when: one line per item synced
// and per problem, and the lines of its own life (start, reload, stop, sources coming and going).
import { withFix } from './errors.js';
import { formatBytes, plural } from './format.js';
import { type JobResult, type Outcome, type SyncReport, syncOutcome } from './sync-engine.js';

/** One line for the daemon's log. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  text: string;
}

/** How one item's sync came out, and what watch-state.json says about it. */
export interface ItemResult {
  outcome: Outcome;
  /** Its problems, "; "-joined ("" when none). */
  message: string;
}

/** A sync run judged per item: the log lines, each item's result, the warnings now standing. */
export interface WatchSyncReport {
  lines: LogLine[];
  items: Record<string, ItemResult>;
  /** The warnings standing after this run (machine-level, and each missing destination), so the next one logs only new ones. */
  warnings: Set<string>;
}

/** "SRC -> DEST (3 files, 1.2 MiB, 0.4 s)". */
const describe = (r: JobResult) => {
  const c = r.changes;
  if (!c) return `${r.source} -> ${r.destination}`;
  const changes =
    c.created.length + c.updated.length + c.deleted.length === 0 && c.files === 0
      ? 'no changes'
      : `${plural(c.files, 'file')}, ${formatBytes(c.bytes)}${c.deleted.length ? `, ${c.deleted.length} deleted` : ''}`;
  return `${r.source} -> ${r.destination} (${changes}, ${r.seconds.toFixed(1)} s)`;
};

/** Judges and words one sync of some items; warnings already logged (`seen`) are not logged again. */
export function watchSyncReport(items: string[], report: SyncReport, seen: Set<string>): WatchSyncReport {
  const lines: LogLine[] = report.warnings
    .filter((w) => !seen.has(w))
    .map((text) => ({ level: 'warn', text }));
  const results: Record<string, ItemResult> = {};
  const missing: string[] = [];
  for (const item of items) {
    const own = report.results.filter((r) => r.item === item);
    const problems: string[] = [];
    for (const r of own.filter((r) => r.status !== 'ok')) {
      const line = `${item}: ${r.source} -> ${r.destination}: ${r.status === 'missing' ? 'skipped' : r.status}: ${r.message}`;
      problems.push(line);
      if (r.status === 'missing') {
        // A destination or source still missing since the last sync was already said: once is enough.
        missing.push(line);
        if (!seen.has(line)) lines.push({ level: 'warn', text: `${line}; will retry when it is back` });
      } else lines.push({ level: 'error', text: `${line}; will retry` });
    }
    const ok = own.filter((r) => r.status === 'ok');
    if (ok.length > 0)
      lines.push({
        level: 'info',
        text: `${item}: ${report.dryRun ? 'would sync' : 'synced'} ${ok.map(describe).join('; ')}`,
      });
    else if (own.length === 0)
      lines.push({ level: 'info', text: `${item}: nothing to sync to (no destination)` });
    // Machine-level warnings (an ESP not mounted) belong to the ESP sync.
    const warnings = item === 'esp' ? report.warnings : [];
    results[item] = { outcome: syncOutcome(own, warnings), message: [...problems, ...warnings].join('; ') };
  }
  // What this run did not look at (other items; machine warnings when the ESP was not synced) stays seen.
  const judgedHere = (w: string) =>
    items.some((i) => w.startsWith(`${i}: `)) || (items.includes('esp') && !/^[^:\s]+: /.test(w));
  const carried = [...seen].filter((w) => !judgedHere(w));
  return { lines, items: results, warnings: new Set([...carried, ...report.warnings, ...missing]) };
}

/** The daemon's other log lines. */
export const watchLog = {
  starting: (test: boolean, w: { delay: number; maxDelay: number; sweep: number }) =>
    `starting${test ? ' (test mode: dry runs only, nothing is written)' : ''}: delay ${w.delay} s, max_delay ${w.maxDelay} s, sweep ${w.sweep} s`,
  reloadFailed: (problem: string) => `reload failed, keeping the previous configuration: ${problem}`,
  reloaded: (file: string) => `reloaded ${file}`,
  drainPending: (items: string[]) => `stopping: syncing pending ${items.join(', ')} first`,
  stopped: () => 'stopped',
  unavailable: (item: string, problem: string) =>
    `${item}: source unavailable, not watching it (degraded): ${problem}; will watch again when it is back`,
  watching: (item: string, path: string, back: boolean) =>
    `${item}: ${back ? 'source is back, ' : ''}watching ${path}`,
  watchError: (item: string, root: string, message: string, code: string | undefined) =>
    `${item}: watching ${root}: ${
      code === 'ENOSPC'
        ? withFix(message, 'raise the inotify watch limit (sysctl fs.inotify.max_user_watches)')
        : message
    }`,
  syncFailed: (item: string, problem: string) => `${item}: sync failed: ${problem}; will retry`,
  retrying: (item: string, failures: number, delayMs: number) =>
    `${item}: ${failures === 1 ? 'sync failed' : `sync failed ${failures} times in a row`}, retrying in ${Math.round(delayMs / 1000)} s`,
  stateNotWritten: (file: string, message: string) =>
    `cannot write ${file}: ${withFix(message, 'check that DUALROOT_RUN_DIR is writable')}`,
};
