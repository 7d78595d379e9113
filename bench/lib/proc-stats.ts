// What the benchmarks read about a running process (/proc) and how they wait for a condition.
import { readFileSync } from 'node:fs';

/** Resolves after ms milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile (nearest rank) of values. */
export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Polls cond every everyMs until it holds (resolves with the milliseconds waited) or timeoutMs passes (throws naming what). */
export async function waitFor(
  cond: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 10,
): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
  return performance.now() - start;
}

/** CPU clock ticks a process has used itself and its waited-for children have used. */
export function cpuTicks(pid: number): { self: number; children: number } {
  // Fields after the ")" of the command name: utime is field 14, stime 15, cutime 16, cstime 17.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { self: n(14) + n(15), children: n(16) + n(17) };
}

/** One memory figure of /proc/PID/status, in KiB. */
export function memoryKiB(pid: number, key: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return Number(m?.[1] ?? Number.NaN);
}
