// The daemon's queue: per-item quiet periods with a deadline, one sync at a time, one more sync for
// changes made during a sync. Pure: time comes from injected Timers, syncs from an injected runner.

import type { Outcome } from './sync-engine.js';

/** How one item's sync ended (the rule is syncOutcome's, in sync-engine.ts). */
export type { Outcome };

/** Timer functions the scheduler uses; the daemon passes the real ones, tests a fake clock. */
export interface Timers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Runs one sync of the given items; resolves with each item's outcome (missing = failed). */
export type SyncRunner = (items: string[]) => Promise<Record<string, Outcome>>;

/** Quiet period and deadline, in milliseconds. */
export interface SchedulerOptions {
  delayMs: number;
  maxDelayMs: number;
}

/** First retry after a failed sync, doubled after each further failure up to RETRY_MAX_MS. */
export const RETRY_FIRST_MS = 10_000;
/** The longest wait between retries of a failing sync. */
export const RETRY_MAX_MS = 300_000;

/** How long to wait before retrying after `failures` failed syncs in a row (1, 2, ...). */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/** What happened, for logs, the state file and tests. */
export type SchedulerEvent =
  | { type: 'pending'; item: string; since: number }
  | { type: 'start'; items: string[]; time: number }
  | { type: 'end'; items: string[]; outcomes: Record<string, Outcome>; time: number }
  | { type: 'retry'; item: string; failures: number; delayMs: number };

/** One item's queue state, as reported in watch-state.json. */
export interface ItemStatus {
  /** idle: nothing to do; waiting: in the quiet period; due: waiting for another sync to end; running. */
  phase: 'idle' | 'waiting' | 'due' | 'running';
  /** Changes not yet covered by a sync that has started. */
  pending: boolean;
  /** Time of the first change not yet covered by a started sync. */
  pendingSince: number | undefined;
  lastStart: number | undefined;
  lastEnd: number | undefined;
  lastOutcome: Outcome | undefined;
  lastSuccess: number | undefined;
  syncs: number;
  /** Failed syncs in a row (0 after a success or a degraded one). */
  failures: number;
  /** When the retry of a failed sync is due (undefined: none waiting). */
  retryAt: number | undefined;
}

interface Item extends ItemStatus {
  timer: unknown;
  retryTimer: unknown;
  due: boolean;
  running: boolean;
}

/** Coalesces change notifications into syncs. */
export class SyncScheduler {
  private readonly items = new Map<string, Item>();
  private active: Promise<void> | undefined;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: SyncRunner,
    private readonly timers: Timers,
    private options: SchedulerOptions,
    private readonly onEvent: (event: SchedulerEvent) => void = () => undefined,
  ) {}

  /** Sets the items to schedule: new ones are added idle, absent ones are forgotten (a running sync ends normally). */
  setItems(names: string[]): void {
    for (const name of names) {
      if (!this.items.has(name)) {
        this.items.set(name, {
          phase: 'idle',
          pending: false,
          pendingSince: undefined,
          lastStart: undefined,
          lastEnd: undefined,
          lastOutcome: undefined,
          lastSuccess: undefined,
          syncs: 0,
          failures: 0,
          retryAt: undefined,
          timer: undefined,
          retryTimer: undefined,
          due: false,
          running: false,
        });
      }
    }
    for (const [name, item] of this.items) {
      if (!names.includes(name)) {
        if (item.timer !== undefined) this.timers.clear(item.timer);
        this.clearRetry(item);
        this.items.delete(name);
      }
    }
    if (!this.active) this.notifyIdle();
  }

  /** Changes the quiet period and deadline; applies from the next change. */
  setOptions(options: SchedulerOptions): void {
    this.options = options;
  }

  /** Item names in the order they were added. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** A file of the item changed: (re)start its quiet period, never past the deadline. */
  change(name: string): void {
    const item = this.items.get(name);
    if (!item) return;
    this.markPending(item, name);
    if (item.due) return;
    if (this.stopping) {
      this.makeDue(name);
      return;
    }
    if (item.timer !== undefined) this.timers.clear(item.timer);
    const now = this.timers.now();
    const deadline = (item.pendingSince ?? now) + this.options.maxDelayMs;
    const wait = Math.max(0, Math.min(this.options.delayMs, deadline - now));
    item.timer = this.timers.set(() => this.makeDue(name), wait);
    this.refreshPhase(item);
  }

  /** Sync the item as soon as no other sync runs (start, sweep, a mount came back). */
  request(name: string): void {
    const item = this.items.get(name);
    if (!item) return;
    this.markPending(item, name);
    this.makeDue(name);
  }

  /** The item's queue state. */
  status(name: string): ItemStatus | undefined {
    const item = this.items.get(name);
    if (!item) return undefined;
    const { timer: _t, retryTimer: _rt, due: _d, running: _r, ...status } = item;
    return status;
  }

  /** True while a sync runs, or one is due or in its quiet period. */
  busy(): boolean {
    return this.active !== undefined || [...this.items.values()].some((i) => i.pending || i.running || i.due);
  }

  /** Resolves when no sync runs, none is due and no quiet period is waiting. */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown: no more quiet periods; everything pending runs now (after the running sync),
   * and the promise resolves when nothing is left. Later changes are still recorded but run only
   * if they arrive before the last sync ends.
   */
  async drain(): Promise<void> {
    this.stopping = true;
    for (const item of this.items.values()) this.clearRetry(item);
    for (const [name, item] of this.items) if (item.pending) this.makeDue(name);
    await this.idle();
  }

  private markPending(item: Item, name: string): void {
    if (item.pending) return;
    item.pending = true;
    item.pendingSince = this.timers.now();
    this.onEvent({ type: 'pending', item: name, since: item.pendingSince });
  }

  private makeDue(name: string): void {
    const item = this.items.get(name);
    if (!item) return;
    if (item.timer !== undefined) this.timers.clear(item.timer);
    item.timer = undefined;
    this.clearRetry(item);
    item.due = true;
    this.refreshPhase(item);
    this.pump();
  }

  private refreshPhase(item: Item): void {
    item.phase = item.running ? 'running' : item.due ? 'due' : item.timer !== undefined ? 'waiting' : 'idle';
  }

  private pump(): void {
    if (this.active) return;
    const batch = [...this.items].filter(([, i]) => i.due && !i.running).map(([name]) => name);
    if (batch.length === 0) {
      this.notifyIdle();
      return;
    }
    const start = this.timers.now();
    for (const name of batch) {
      const item = this.items.get(name)!;
      item.due = false;
      item.pending = false;
      item.pendingSince = undefined;
      item.running = true;
      item.lastStart = start;
      this.refreshPhase(item);
    }
    this.onEvent({ type: 'start', items: batch, time: start });
    this.active = this.run(batch)
      .catch(() => ({}) as Record<string, Outcome>)
      .then((outcomes) => {
        const end = this.timers.now();
        const complete: Record<string, Outcome> = {};
        for (const name of batch) {
          const outcome = outcomes[name] ?? 'failed';
          complete[name] = outcome;
          const item = this.items.get(name);
          if (!item) continue;
          item.running = false;
          item.syncs++;
          item.lastEnd = end;
          item.lastOutcome = outcome;
          if (outcome === 'ok') item.lastSuccess = end;
          item.failures = outcome === 'failed' ? item.failures + 1 : 0;
          this.refreshPhase(item);
        }
        this.active = undefined;
        this.onEvent({ type: 'end', items: batch, outcomes: complete, time: end });
        for (const name of batch) this.scheduleRetry(name);
        this.pump();
      });
  }

  /** After a failure, the item is synced again by itself after a growing wait (unless something else syncs it first). */
  private scheduleRetry(name: string): void {
    const item = this.items.get(name);
    if (!item || item.failures === 0 || item.due || this.stopping) return;
    const delayMs = retryDelay(item.failures);
    item.retryAt = this.timers.now() + delayMs;
    item.retryTimer = this.timers.set(() => {
      item.retryTimer = undefined;
      item.retryAt = undefined;
      this.request(name);
    }, delayMs);
    this.onEvent({ type: 'retry', item: name, failures: item.failures, delayMs });
  }

  private clearRetry(item: Item): void {
    if (item.retryTimer !== undefined) this.timers.clear(item.retryTimer);
    item.retryTimer = undefined;
    item.retryAt = undefined;
  }

  private notifyIdle(): void {
    if (this.busy()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
