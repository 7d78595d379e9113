// Lets benchmarks reuse the test helpers (test/helpers/sim.ts), which register their cleanup
// (unmounts, loop devices, scratch directories) on a tap Test: this stands in for one.
import type { Test } from 'tap';

export interface Scope {
  /** Pass to the helpers wherever they want a tap Test. */
  t: Test;
  /** Runs the registered cleanup, last registered first. */
  close(): Promise<void>;
}

export function scope(): Scope {
  const steps: (() => unknown)[] = [];
  const t = { teardown: (fn: () => unknown) => steps.push(fn) } as unknown as Test;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const step of steps.reverse()) await step();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void close().finally(() => process.exit(130));
    });
  }
  return { t, close };
}
