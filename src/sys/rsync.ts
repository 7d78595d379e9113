import { getPriority } from 'node:os';
import { runCommand } from './command.js';
import type { HeldLock } from './lock.js';

/** Scheduling for rsync children: nice level and I/O class (the daemon runs them idle). */
export interface Priority {
  nice: number;
  ioClass: 'idle' | 'best-effort' | 'realtime';
}

const IONICE_CLASS = { realtime: '1', 'best-effort': '2', idle: '3' } as const;

/**
 * Runs rsync with an argument array; never throws for rsync's own exit codes. With a held lock,
 * rsync inherits its descriptor: if dualroot is killed mid-copy, the lock stays held until rsync
 * itself has stopped writing.
 */
export async function runRsync(
  args: string[],
  options: { priority?: Priority | undefined; lock?: HeldLock | undefined } = {},
) {
  const { priority, lock } = options;
  let command = ['rsync', ...args];
  if (priority) {
    // nice(1) adds to the caller's level; the config names an absolute level, so a daemon the unit
    // already runs at Nice=10 must not push its rsync children to 19.
    const increment = Math.max(0, priority.nice - getPriority());
    command = ['nice', '-n', String(increment), 'ionice', '-c', IONICE_CLASS[priority.ioClass], ...command];
  }
  const [file, ...rest] = command as [string, ...string[]];
  const result = await runCommand(file, rest, { env: { LC_ALL: 'C' }, fds: lock ? [lock.fd] : [] });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}
