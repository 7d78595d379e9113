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
