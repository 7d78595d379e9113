import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Exit code flock(1) returns when the lock stays busy past the timeout (EX_TEMPFAIL; rsync never uses it). */
export const LOCK_BUSY_EXIT = 75;

/** The lock a writer takes: one file shared by every dualroot run (pacman hook, daemon, by hand). */
export interface LockSpec {
  file: string;
  timeoutSeconds: number;
}

/**
 * Wraps a command in flock(1) so it runs holding an exclusive flock(2) on the lock file.
 * The lock belongs to the writer itself: it is held exactly as long as the command (rsync) runs,
 * so two runs never write at once, and it is released by the kernel when the writer exits or dies,
 * even if the dualroot process that started it was killed.
 */
export function lockedCommand(lock: LockSpec, command: string[]): string[] {
  mkdirSync(dirname(lock.file), { recursive: true, mode: 0o755 });
  return [
    'flock',
    '--exclusive',
    '--wait',
    String(lock.timeoutSeconds),
    '--conflict-exit-code',
    String(LOCK_BUSY_EXIT),
    lock.file,
    ...command,
  ];
}
