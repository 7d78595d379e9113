import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
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

/** The message for a lock another run kept past the timeout. */
export function lockBusyMessage(lock: LockSpec): string {
  return `another dualroot run kept ${lock.file} locked for more than ${lock.timeoutSeconds} s ([rsync] lock_timeout)`;
}

/**
 * Runs fn holding the same lock, for the writes dualroot makes itself (removing rsync leftovers,
 * recording the sync state). flock(1) takes the lock on an open file description this process
 * shares with it, so the lock outlives flock(1) and is released when the descriptor is closed,
 * or by the kernel if this process dies.
 */
export async function withLock<T>(lock: LockSpec, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(dirname(lock.file), { recursive: true, mode: 0o755 });
  const fd = openSync(lock.file, 'a', 0o644);
  try {
    const args = [
      '--exclusive',
      '--wait',
      String(lock.timeoutSeconds),
      '--conflict-exit-code',
      String(LOCK_BUSY_EXIT),
      '3',
    ];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', (error) => reject(new Error(`cannot run flock: ${error.message}`)));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    if (code === LOCK_BUSY_EXIT) throw new Error(lockBusyMessage(lock));
    if (code !== 0) throw new Error(`flock on ${lock.file} failed (exit ${code}): ${stderr.trim()}`);
    return await fn();
  } finally {
    closeSync(fd);
  }
}
