import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCommand } from './command.js';

/** Exit code flock(1) returns when the lock stays busy past the timeout (EX_TEMPFAIL). */
export const LOCK_BUSY_EXIT = 75;

/** The lock a writer takes: one file shared by every dualroot run (pacman hook, daemon, by hand). */
export interface LockSpec {
  file: string;
  timeoutSeconds: number;
}

/** A lock this process holds: the open descriptor the flock(2) lock is on. */
export interface HeldLock {
  /** Give it to every writer this run starts (rsync), so the lock lives as long as the last of them. */
  fd: number;
  release(): void;
}

/** The message for a lock another run kept past the timeout. */
export function lockBusyMessage(lock: LockSpec): string {
  return `another dualroot run kept ${lock.file} locked for more than ${lock.timeoutSeconds} s ([rsync] lock_timeout)`;
}

/**
 * Takes the lock, waiting up to its timeout. flock(1) takes it on an open file description this
 * process shares with it, so the lock outlives flock(1) and is released when every descriptor of
 * it is closed: by release(), or by the kernel when this process and the writers it handed the
 * descriptor to have exited or died (a crashed holder never blocks the next run).
 */
export async function holdLock(lock: LockSpec): Promise<HeldLock> {
  mkdirSync(dirname(lock.file), { recursive: true, mode: 0o755 });
  const fd = openSync(lock.file, 'a', 0o644);
  try {
    const args = ['--exclusive', '--wait', String(lock.timeoutSeconds), '--conflict-exit-code'];
    const result = await runCommand('flock', [...args, String(LOCK_BUSY_EXIT), '3'], { fds: [fd] });
    if (result.exitCode === LOCK_BUSY_EXIT) throw new Error(lockBusyMessage(lock));
    if (result.exitCode !== 0)
      throw new Error(`flock on ${lock.file} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { fd, release: () => closeSync(fd) };
}

/** Runs fn holding the lock (taken for it, released after it, also when it throws). */
export async function withLock<T>(lock: LockSpec, fn: () => T | Promise<T>): Promise<T> {
  const held = await holdLock(lock);
  try {
    return await fn();
  } finally {
    held.release();
  }
}
