import type { Config } from '../core/config.js';
import { errorWithFix } from '../core/errors.js';
import type { Outcome } from '../core/sync-engine.js';
import { ignoredChange } from '../core/watch-filter.js';
import { type LogLine, watchLog, watchSyncReport } from '../core/watch-report.js';
import { type SchedulerEvent, SyncScheduler } from '../core/watch-scheduler.js';
import { type WatchedItem, watchState } from '../core/watch-state.js';
import { readMountinfoText } from '../sys/mountinfo.js';
import { watchStateFile } from '../sys/run-dir.js';
import { type TreeWatch, watchTree } from '../sys/watcher.js';
import { syncOnce } from './sync-run.js';
import { type Armed, type DaemonEvent, realTimers, type WatchDaemonOptions } from './watch-daemon-types.js';
import { findSources, type Source } from './watch-sources.js';

/** How often the mount table is re-read to notice a source or destination coming and going. */
export const MOUNT_CHECK_MS = 5000;

/** The sync daemon: watches every source, coalesces changes, runs syncOnce, keeps state. */
export class WatchDaemon {
  private config: Config;
  private readonly scheduler: SyncScheduler;
  private readonly armed = new Map<string, Armed>();
  private readonly started = new Date();
  private intervals: NodeJS.Timeout[] = [];
  private mountTable = '';
  private refreshing: Promise<void> = Promise.resolve();
  private stopping = false;
  private warnings = new Set<string>();

  constructor(private readonly options: WatchDaemonOptions) {
    this.config = options.config;
    this.scheduler = new SyncScheduler(
      (items) => this.sync(items),
      options.timers ?? realTimers,
      this.delays(),
      (event) => this.schedulerEvent(event),
    );
  }

  /** Arms every watch and starts the first sync of every item whose source is there. */
  async start(): Promise<void> {
    this.options.log.info(watchLog.starting(this.options.dryRun, this.config.watch));
    this.mountTable = readMountinfoText(this.options.paths.mountinfo);
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
      const message = errorWithFix(error);
      this.options.log.error(watchLog.reloadFailed(message));
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
    this.options.log.info(watchLog.reloaded(config.file));
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
    if (pending.length > 0) this.options.log.info(watchLog.drainPending(pending));
    await this.scheduler.drain();
    this.writeState(new Date());
    this.options.log.info(watchLog.stopped());
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

  /** Cheap: one read of the mount table; sources are looked at again only when it changed. */
  private checkMounts(): void {
    const table = readMountinfoText(this.options.paths.mountinfo);
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
      const sources = await findSources(this.config, this.options.paths);
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
            this.options.log.warn(watchLog.unavailable(name, source.problem ?? ''));
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
        this.options.log.info(watchLog.watching(name, source.path, back));
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
        this.options.log.error(watchLog.watchError(name, root, error.message, code));
        this.scheduler.change(name);
      },
    });
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
      const judged = watchSyncReport(items, await run(items), this.warnings);
      this.warnings = judged.warnings;
      this.logAll(judged.lines);
      for (const [item, { outcome, message }] of Object.entries(judged.items)) {
        outcomes[item] = outcome;
        const armed = this.armed.get(item);
        if (armed) armed.message = message;
      }
    } catch (error) {
      if (items.length > 1) {
        for (const item of items) outcomes[item] = (await this.sync([item]))[item] ?? 'failed';
        return outcomes;
      }
      const message = errorWithFix(error);
      this.options.log.error(watchLog.syncFailed(items[0]!, message));
      const armed = this.armed.get(items[0]!);
      if (armed) armed.message = message;
      outcomes[items[0]!] = 'failed';
    }
    return outcomes;
  }

  private logAll(lines: LogLine[]): void {
    for (const { level, text } of lines) this.options.log[level](text);
  }

  private schedulerEvent(event: SchedulerEvent): void {
    if (event.type === 'retry')
      this.options.log.warn(watchLog.retrying(event.item, event.failures, event.delayMs));
    this.emit(event);
    this.writeState(undefined);
  }

  /** Writes watch-state.json atomically (never in --test). */
  private writeState(stopped: Date | undefined): void {
    if (this.options.dryRun) return;
    const items = new Map<string, WatchedItem>();
    for (const name of this.scheduler.names()) {
      const armed = this.armed.get(name);
      items.set(name, {
        status: this.scheduler.status(name)!,
        source: armed?.source.path,
        watching: armed?.watch !== undefined,
        problem: armed?.problem,
        message: armed?.message ?? '',
      });
    }
    const { delay, maxDelay, sweep } = this.config.watch;
    const state = watchState({
      pid: process.pid,
      test: this.options.dryRun,
      config: this.config.file,
      settings: { delay, maxDelay, sweep },
      started: this.started,
      now: new Date(),
      stopped,
      items,
    });
    try {
      watchStateFile.write(this.options.paths, state);
    } catch (error) {
      this.options.log.error(
        watchLog.stateNotWritten(watchStateFile.path(this.options.paths), (error as Error).message),
      );
    }
  }
}
