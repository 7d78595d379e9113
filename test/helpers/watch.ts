// Helpers for dualroot-watch integration tests: run the daemon in-process with a test control,
// wait for conditions, compare trees.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { WatchControl } from '../../src/app/watch.js';
import type { DaemonEvent } from '../../src/app/watch-daemon-types.js';
import { defer } from './sim.js';

/** A daemon running in this process. */
export interface InProcessDaemon {
  events: DaemonEvent[];
  stdout: string[];
  stderr: string[];
  stop(): Promise<number>;
  reload(): void;
  done: Promise<number>;
  /** Syncs that ended (one per item per sync). */
  syncs(item: string): number;
}

/** Starts dualroot-watch's main in-process; stopped at teardown if the test did not stop it. */
export async function startInProcess(
  t: Test,
  env: NodeJS.ProcessEnv,
  argv: string[] = [],
): Promise<InProcessDaemon> {
  const { main } = await import('../../src/cli/watch.js');
  const { runMain } = await import('../../src/cli/run.js');
  const events: DaemonEvent[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  let handlers: { stop: () => void; reload: () => void } | undefined;
  const control: WatchControl = {
    attach(h) {
      handlers = h;
      return () => undefined;
    },
    onEvent: (e) => events.push(e),
  };
  const done = runMain('dualroot-watch', (a, io) => main(a, io, control), argv, {
    env,
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
  });
  const stop = () => {
    handlers?.stop();
    return done;
  };
  defer(t, stop);
  await waitFor(() => handlers !== undefined, 10000, 'the daemon to start');
  return {
    events,
    stdout,
    stderr,
    stop,
    reload: () => handlers?.reload(),
    done,
    syncs: (item) => events.filter((e) => e.type === 'end' && e.items.includes(item)).length,
  };
}

/** Polls a condition every 50 ms; fails naming what was awaited. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/** Waits for a number of milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * path -> content hash of every file under a directory (excluding given relative paths).
 * Safe while rsync writes there: its .~tmp~ staging directories are skipped, and a file that
 * vanishes mid-walk is recorded as missing (so the trees differ and the caller polls again).
 */
export function treeHash(dir: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(dir, rel));
    } catch {
      out[rel] = 'vanished';
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip.includes(r) || name === '.~tmp~') continue;
      const full = join(dir, r);
      try {
        if (statSync(full).isDirectory()) walk(r);
        else out[r] = createHash('sha1').update(readFileSync(full)).digest('hex');
      } catch {
        out[r] = 'vanished';
      }
    }
  };
  walk('');
  return out;
}

/** True when two trees hold the same files with the same contents. */
export function sameTree(a: string, b: string, skip: string[] = []): boolean {
  return JSON.stringify(treeHash(a, skip)) === JSON.stringify(treeHash(b, skip));
}
