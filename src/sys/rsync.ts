import { getPriority } from 'node:os';
import { execa } from 'execa';
import { LOCK_BUSY_EXIT, type LockSpec, lockedCommand } from './lock.js';

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
  if (priority)
    command = [
      'nice',
      '-n',
      String(priority.nice),
      'ionice',
      '-c',
      IONICE_CLASS[priority.ioClass],
      ...command,
    ];
  if (lock) command = lockedCommand(lock, command);
  const [file, ...rest] = command as [string, ...string[]];
  const result = await execa(file, rest, { reject: false, stripFinalNewline: false, env: { LC_ALL: 'C' } });
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`cannot run ${file}: ${result.shortMessage}`);
  }
  if (lock && result.exitCode === LOCK_BUSY_EXIT) {
    throw new Error(
      `another dualroot run kept ${lock.file} locked for more than ${lock.timeoutSeconds} s ([rsync] lock_timeout); nothing was written`,
    );
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
