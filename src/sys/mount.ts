import { failureText, runCommand } from './command.js';

/** Bind-mounts a directory onto another with mount(8). */
export async function bindMount(source: string, target: string): Promise<void> {
  const result = await runCommand('mount', ['--bind', source, target]);
  if (result.exitCode !== 0)
    throw new Error(`mount --bind ${source} ${target} failed: ${failureText(result)}`);
}
