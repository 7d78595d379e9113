import { getPriority } from 'node:os';
import { execa } from 'execa';
import { LOCK_BUSY_EXIT, type LockSpec, lockBusyMessage, lockedCommand } from './lock.js';

/** Scheduling for rsync children: nice level and I/O class (the daemon runs them idle). */
export interface Priority {
  nice: number;
  ioClass: 'idle' | 'best-effort' | 'realtime';
}

const IONICE_CLASS = { realtime: '1', 'best-effort': '2', idle: '3' } as const;

/** Runs rsync with an argument array, holding the lock while it writes; never throws for rsync's own exit codes. */
export async function runRsync(
  args: string[],
  options: { priority?: Priority | undefined; lock?: LockSpec | undefined } = {},
) {
  const { priority, lock } = options;
  let command = ['rsync', ...args];
  if (priority) {
    // nice(1) adds to the caller's level; the config names an absolute level, so a daemon the unit
    // already runs at Nice=10 must not push its rsync children to 19.
    const increment = Math.max(0, priority.nice - getPriority());
    command = ['nice', '-n', String(increment), 'ionice', '-c', IONICE_CLASS[priority.ioClass], ...command];
  }
  if (lock) command = lockedCommand(lock, command);
  const [file, ...rest] = command as [string, ...string[]];
  const result = await execa(file, rest, { reject: false, stripFinalNewline: false, env: { LC_ALL: 'C' } });
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`cannot run ${file}: ${result.shortMessage}`);
  }
  if (lock && result.exitCode === LOCK_BUSY_EXIT) {
    throw new Error(`${lockBusyMessage(lock)}; nothing was written`);
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
