import { failureText, runCommand } from './command.js';

/** Flushes the filesystem that holds a path (syncfs(2) via coreutils `sync -f`). */
export async function syncfs(path: string): Promise<void> {
  const result = await runCommand('sync', ['-f', path]);
  if (result.exitCode !== 0) throw new Error(`flushing ${path} failed: ${failureText(result)}`);
}
