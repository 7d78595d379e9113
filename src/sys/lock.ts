import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';

/** A held lock; release() is idempotent. */
export interface Lock {
  release(): Promise<void>;
}

/**
 * Takes an exclusive flock(2) on a file, waiting up to timeoutSeconds.
 * flock(1) holds the lock while its child `cat` runs; cat echoes our probe only once the lock is
 * held, and exits when our end of its stdin closes, which also happens when this process dies.
 * So a crashed holder never blocks the next run.
 */
export async function acquireLock(file: string, timeoutSeconds: number): Promise<Lock> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const holder = execa('flock', ['--exclusive', '--wait', String(timeoutSeconds), file, 'cat'], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let stderr = '';
  holder.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const acquired = new Promise<boolean>((resolve) => {
    holder.stdout?.once('data', () => resolve(true));
    holder.then(() => resolve(false));
  });
  holder.stdin?.write('locked\n');
  if (!(await acquired)) {
    const result = await holder;
    throw new Error(
      result.exitCode === 1 && stderr === ''
        ? `another dualroot run held ${file} for more than ${timeoutSeconds} s`
        : `cannot lock ${file}: ${stderr.trim() || `flock exit ${result.exitCode}`}`,
    );
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      holder.stdin?.end();
      await holder;
    },
  };
}
