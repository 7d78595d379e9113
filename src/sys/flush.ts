import { execa } from 'execa';

/** Flushes the filesystem that holds a path (syncfs(2) via coreutils `sync -f`). */
export async function syncfs(path: string): Promise<void> {
  const result = await execa('sync', ['-f', path], { reject: false });
  if (result.exitCode !== 0)
    throw new Error(`flushing ${path} failed: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`);
}
