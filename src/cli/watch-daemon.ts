import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootedOf, espMountsOf, readMachine } from '../app/machine.js';
import type { Config } from '../core/config.js';
import { DualrootError } from '../core/errors.js';
import { formatBytes, plural } from '../core/format.js';
import { mountAt } from '../core/mountinfo.js';
import type { JobResult, SyncReport } from '../core/sync-engine.js';
import { ignoredChange } from '../core/watch-filter.js';
import { type Outcome, type SchedulerEvent, SyncScheduler, type Timers } from '../core/watch-scheduler.js';
import { canonical, dirIdentity } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { writeFileAtomic } from '../sys/state.js';
import { type TreeWatch, watchTree } from '../sys/watcher.js';
import type { Logger } from './output.js';
import { syncOnce } from './sync-runner.js';

/** How often the mount table is re-read to notice a source or destination coming and going. */
export const MOUNT_CHECK_MS = 5000;

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
  log: Logger;
  /** Reads the config again (SIGHUP); throws when it is bad. */
  reloadConfig: () => Config;
  onEvent?: (event: DaemonEvent) => void;
  timers?: Timers;
  mountCheckMs?: number;
}

/** Where an item's source is now, or why it is unavailable. */
interface Source {
  path: string | undefined;
  problem: string | undefined;
  /** Changes when the directory is another one (remounted, recreated): the watch must be re-armed. */
  identity: string;
  exclude: string[];
}

interface Armed {
  source: Source;
  watch: TreeWatch | undefined;
  /** Last problem logged, so a lasting problem is logged once. */
  problem: string | undefined;
  message: string;
}

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
}

/** The state file of the daemon. */
export function watchStateFile(paths: SystemPaths): string {
  return join(paths.runDir, 'watch-state.json');
}

const realTimers: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The sync daemon: watches every source, coalesces changes, runs syncOnce, keeps state. */
export class WatchDaemon {
  private config: Config;
  private readonly scheduler: SyncScheduler;
  private readonly timers: Timers;
  private readonly armed = new Map<string, Armed>();
  private readonly started = new Date();
  private intervals: NodeJS.Timeout[] = [];
  private mountTable = '';
  private refreshing: Promise<void> = Promise.resolve();
  private stopping = false;
  private warnings = new Set<string>();

  constructor(private readonly options: WatchDaemonOptions) {
    this.config = options.config;
    this.timers = options.timers ?? realTimers;
    this.scheduler = new SyncScheduler(
      (items) => this.sync(items),
      this.timers,
      this.delays(),
      (event) => this.schedulerEvent(event),
    );
  }

  /** Arms every watch and starts the first sync of every item whose source is there. */
  async start(): Promise<void> {
    const mode = this.options.dryRun ? ' (test mode: dry runs only, nothing is written)' : '';
    this.options.log.info(
      `starting${mode}: delay ${this.config.watch.delay} s, max_delay ${this.config.watch.maxDelay} s, sweep ${this.config.watch.sweep} s`,
    );
    this.mountTable = this.readMountTable();
    await this.refresh(true);
    this.startIntervals();
  }

  /** SIGHUP: reads the config again; a bad one is reported and the old one kept. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    let config: Config;
    try {
      config = this.options.reloadConfig();
    } catch (error) {
      const hint = error instanceof DualrootError && error.hint ? ` (fix: ${error.hint})` : '';
      const message = `${(error as Error).message}${hint}`;
      this.options.log.error(`reload failed, keeping the previous configuration: ${message}`);
      this.emit({ type: 'reload-failed', message });
      return;
    }
    this.config = config;
    this.scheduler.setOptions(this.delays());
    this.clearIntervals();
    this.startIntervals();
    // Sources, excludes or destinations may have changed: re-arm every watch and sync everything.
    await this.serialized(async () => {
      for (const armed of this.armed.values()) await armed.watch?.close();
      this.armed.clear();
    });
    this.options.log.info(`reloaded ${config.file}`);
    this.emit({ type: 'reloaded' });
    await this.refresh(true);
  }

  /** SIGTERM/SIGINT: stops watching, lets a running sync finish, runs what is pending, then returns. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.clearIntervals();
    await this.refreshing;
    for (const armed of this.armed.values()) await armed.watch?.close();
    const pending = this.scheduler.names().filter((n) => this.scheduler.status(n)?.pending);
    if (pending.length > 0) this.options.log.info(`stopping: syncing pending ${pending.join(', ')} first`);
    await this.scheduler.drain();
    this.writeState(new Date());
    this.options.log.info('stopped');
    this.emit({ type: 'stopped' });
  }

  /** Resolves when no sync runs or waits (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  private delays() {
    return { delayMs: this.config.watch.delay * 1000, maxDelayMs: this.config.watch.maxDelay * 1000 };
  }

  private emit(event: DaemonEvent): void {
    this.options.onEvent?.(event);
  }

  private startIntervals(): void {
    if (this.stopping) return;
    const sweep = setInterval(() => this.sweep(), this.config.watch.sweep * 1000);
    const mounts = setInterval(() => this.checkMounts(), this.options.mountCheckMs ?? MOUNT_CHECK_MS);
    this.intervals = [sweep, mounts];
  }

  private clearIntervals(): void {
    for (const i of this.intervals) clearInterval(i);
    this.intervals = [];
  }

  private readMountTable(): string {
    try {
      return readFileSync(this.options.paths.mountinfo, 'utf8');
    } catch {
      return '';
    }
  }

  /** Cheap: one read of the mount table; sources are looked at again only when it changed. */
  private checkMounts(): void {
    const table = this.readMountTable();
    if (table === this.mountTable) return;
    this.mountTable = table;
    void this.refresh(false).then(() => this.retryUnfinished());
  }

  /** The periodic sweep: look at sources again, retry anything pending or not in sync. */
  private sweep(): void {
    void this.refresh(false).then(() => this.retryUnfinished());
  }

  private retryUnfinished(): void {
    if (this.stopping) return;
    for (const name of this.scheduler.names()) {
      const status = this.scheduler.status(name);
      const armed = this.armed.get(name);
      if (!status || !armed?.watch) continue;
      if (status.pending || (status.lastOutcome !== undefined && status.lastOutcome !== 'ok'))
        this.scheduler.request(name);
    }
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const next = this.refreshing.then(fn, fn);
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  /** Finds every item's source; (re)arms watches that are new or changed, reports the missing ones. */
  private refresh(syncAll: boolean): Promise<void> {
    return this.serialized(async () => {
      if (this.stopping) return;
      const sources = await this.resolveSources();
      this.scheduler.setItems([...sources.keys()]);
      for (const [name, armed] of this.armed) {
        if (!sources.has(name)) {
          await armed.watch?.close();
          this.armed.delete(name);
        }
      }
      for (const [name, source] of sources) {
        const armed = this.armed.get(name) ?? { source, watch: undefined, problem: undefined, message: '' };
        this.armed.set(name, armed);
        if (source.path === undefined) {
          await armed.watch?.close();
          armed.watch = undefined;
          armed.source = source;
          if (armed.problem !== source.problem) {
            this.options.log.warn(
              `${name}: source unavailable, not watching it (degraded): ${source.problem}; will watch again when it is back`,
            );
            armed.problem = source.problem;
            this.emit({ type: 'degraded', item: name, problem: source.problem ?? '' });
          }
          continue;
        }
        const changed = !armed.watch || armed.source.identity !== source.identity;
        if (!changed) continue;
        const back = armed.problem !== undefined;
        await armed.watch?.close();
        armed.watch = undefined;
        armed.source = source;
        try {
          armed.watch = await this.watch(name, source);
        } catch (error) {
          const problem = (error as Error).message;
          if (armed.problem !== problem) this.options.log.error(`${name}: ${problem}`);
          armed.problem = problem;
          continue;
        }
        armed.problem = undefined;
        this.options.log.info(`${name}: ${back ? 'source is back, ' : ''}watching ${source.path}`);
        this.emit({ type: 'armed', item: name, source: source.path });
        if (!syncAll) this.scheduler.request(name);
      }
      if (syncAll) for (const [name, armed] of this.armed) if (armed.watch) this.scheduler.request(name);
      this.writeState(undefined);
    });
  }

  private async watch(name: string, source: Source): Promise<TreeWatch> {
    const root = source.path!;
    return watchTree(root, {
      ignore: (rel) => ignoredChange(source.exclude, rel),
      onChange: (rel, event) => {
        if (this.stopping) return;
        this.scheduler.change(name);
        // The watched directory itself went away: look at the source again now.
        if (rel === '' && event === 'unlinkDir') void this.refresh(false);
      },
      onError: (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        const fix =
          code === 'ENOSPC'
            ? '; fix: raise the inotify watch limit (sysctl fs.inotify.max_user_watches)'
            : '';
        this.options.log.error(`${name}: watching ${root}: ${error.message}${fix}`);
        this.scheduler.change(name);
      },
    });
  }

  private async resolveSources(): Promise<Map<string, Source>> {
    const sources = new Map<string, Source>();
    const config = this.config;
    if (config.esp.sync) sources.set('esp', await this.espSource(config));
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
  private async espSource(config: Config): Promise<Source> {
    const exclude = config.esp.exclude;
    const missing = (problem: string): Source => ({ path: undefined, problem, identity: '', exclude });
    try {
      const machine = await readMachine(this.options.paths);
      const booted = bootedOf(machine);
      const esp = booted.esp;
      if (!esp)
        return missing(`the booted ESP (PARTUUID ${booted.partUuid}) is not among the partitions present`);
      const mounts = espMountsOf(config, this.options.paths).map(canonical);
      const path = mounts.find((m) => mountAt(machine.mounts, m)?.majorMinor === esp.majorMinor);
      if (!path)
        return missing(
          `the booted ESP ${esp.device} is not mounted at any ESP mount point (${mounts.join(', ') || 'none found'})`,
        );
      const identity = dirIdentity(path);
      return identity === undefined
        ? missing(`${path} cannot be read`)
        : { path, problem: undefined, identity: `${esp.majorMinor}:${identity}`, exclude };
    } catch (error) {
      return missing((error as Error).message);
    }
  }

  /** The scheduler's runner: one syncOnce for the items due together (each alone if that fails). */
  private async sync(items: string[]): Promise<Record<string, Outcome>> {
    const config = this.config;
    const run = (only: string[]) =>
      syncOnce({
        config,
        paths: this.options.paths,
        dryRun: this.options.dryRun,
        priority: { nice: config.watch.nice, ioClass: config.watch.ioClass },
        only,
      });
    const outcomes: Record<string, Outcome> = {};
    try {
      this.report(items, await run(items), outcomes);
    } catch (error) {
      if (items.length > 1) {
        for (const item of items) outcomes[item] = (await this.sync([item]))[item] ?? 'failed';
        return outcomes;
      }
      const hint = error instanceof DualrootError && error.hint ? `; fix: ${error.hint}` : '';
      const message = `${(error as Error).message}${hint}`;
      this.options.log.error(`${items[0]}: sync failed: ${message}; will retry`);
      const armed = this.armed.get(items[0]!);
      if (armed) armed.message = message;
      outcomes[items[0]!] = 'failed';
    }
    return outcomes;
  }

  /** One log line per item synced and per problem; fills outcomes. */
  private report(items: string[], report: SyncReport, outcomes: Record<string, Outcome>): void {
    const log = this.options.log;
    const fresh = report.warnings.filter((w) => !this.warnings.has(w));
    this.warnings = new Set(report.warnings);
    for (const w of fresh) log.warn(w);
    for (const item of items) {
      const results = report.results.filter((r) => r.item === item);
      const problems: string[] = [];
      for (const r of results.filter((r) => r.status !== 'ok')) {
        const line = `${item}: ${r.source} -> ${r.destination}: ${r.status === 'missing' ? 'skipped' : r.status}: ${r.message}`;
        problems.push(line);
        if (r.status === 'missing') log.warn(`${line}; will retry when it is back`);
        else log.error(`${line}; will retry`);
      }
      const ok = results.filter((r) => r.status === 'ok');
      if (ok.length > 0)
        log.info(`${item}: ${report.dryRun ? 'would sync' : 'synced'} ${ok.map(describe).join('; ')}`);
      else if (results.length === 0) log.info(`${item}: nothing to sync to (no destination)`);
      const failed = results.some((r) => r.status === 'failed' || r.status === 'refused');
      const degraded =
        results.some((r) => r.status === 'missing') || (item === 'esp' && report.warnings.length > 0);
      outcomes[item] = failed ? 'failed' : degraded ? 'degraded' : 'ok';
      const armed = this.armed.get(item);
      if (armed) armed.message = [...problems, ...(item === 'esp' ? report.warnings : [])].join('; ');
    }
  }

  private schedulerEvent(event: SchedulerEvent): void {
    this.emit(event);
    this.writeState(undefined);
  }

  /** Writes watch-state.json atomically (never in --test). */
  private writeState(stopped: Date | undefined): void {
    if (this.options.dryRun) return;
    const items: Record<string, WatchItemState> = {};
    for (const name of this.scheduler.names()) {
      const s = this.scheduler.status(name)!;
      const armed = this.armed.get(name);
      items[name] = {
        source: armed?.source.path ?? null,
        watching: armed?.watch !== undefined && !stopped,
        problem: armed?.problem ?? null,
        phase: s.phase,
        pending: s.pending,
        pendingSince: iso(s.pendingSince),
        lastSync: iso(s.lastEnd),
        lastResult: s.lastOutcome ?? null,
        lastSuccess: iso(s.lastSuccess),
        message: armed?.message ?? '',
        syncs: s.syncs,
      };
    }
    const state: WatchState = {
      version: 1,
      pid: process.pid,
      test: this.options.dryRun,
      config: this.config.file,
      started: this.started.toISOString(),
      updated: new Date().toISOString(),
      stopped: stopped ? stopped.toISOString() : null,
      settings: {
        delay: this.config.watch.delay,
        maxDelay: this.config.watch.maxDelay,
        sweep: this.config.watch.sweep,
      },
      items,
    };
    try {
      writeFileAtomic(watchStateFile(this.options.paths), `${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      this.options.log.error(
        `cannot write ${watchStateFile(this.options.paths)}: ${(error as Error).message}; fix: check that DUALROOT_RUN_DIR is writable`,
      );
    }
  }
}

const describe = (r: JobResult) => {
  const c = r.changes;
  if (!c) return `${r.source} -> ${r.destination}`;
  const changes =
    c.created.length + c.updated.length + c.deleted.length === 0 && c.files === 0
      ? 'no changes'
      : `${plural(c.files, 'file')}, ${formatBytes(c.bytes)}${c.deleted.length ? `, ${c.deleted.length} deleted` : ''}`;
  return `${r.source} -> ${r.destination} (${changes}, ${r.seconds.toFixed(1)} s)`;
};
