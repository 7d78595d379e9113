import type { Timers } from '../../src/core/watch-scheduler.js';

/** A manual clock: timers fire only when the test advances time. */
export class FakeTimers implements Timers {
  time = 0;
  private next = 1;
  private pending = new Map<number, { at: number; fn: () => void }>();
  now() {
    return this.time;
  }
  set(fn: () => void, ms: number) {
    const id = this.next++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }
  clear(handle: unknown) {
    this.pending.delete(handle as number);
  }
  /** Advances time, firing due timers in order. */
  advance(ms: number) {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter(([, p]) => p.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = target;
  }
  count() {
    return this.pending.size;
  }
}
