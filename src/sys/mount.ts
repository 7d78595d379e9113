import { mkdirSync } from 'node:fs';
import { execa } from 'execa';

/** Bind-mounts a directory onto another with mount(8). */
export async function bindMount(source: string, target: string): Promise<void> {
  const result = await execa('mount', ['--bind', source, target], { reject: false });
  if (result.exitCode !== 0) {
    throw new Error(
      `mount --bind ${source} ${target} failed: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`,
    );
  }
}

/** Creates a mount point directory (and its parents) if missing. */
export function makeMountPoint(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
}
