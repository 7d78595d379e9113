import { mkdirSync } from 'node:fs';
import { failureText, runCommand } from './command.js';

/** Bind-mounts a directory onto another with mount(8). */
export async function bindMount(source: string, target: string): Promise<void> {
  const result = await runCommand('mount', ['--bind', source, target]);
  if (result.exitCode !== 0)
    throw new Error(`mount --bind ${source} ${target} failed: ${failureText(result)}`);
}

/** Creates a mount point directory (and its parents) if missing. */
export function makeMountPoint(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
}
