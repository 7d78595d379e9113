import { spawn } from 'node:child_process';

/** What a finished command gave: its exit code (undefined when a signal ended it) and output. */
export interface CommandResult {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
}

/** How to run a command: variables added to this process's environment, descriptors it inherits. */
export interface CommandOptions {
  env?: Record<string, string>;
  /** Open descriptors the child gets as fd 3, 4, ... (e.g. a held lock). */
  fds?: number[];
}

/**
 * Runs a program with an argument array (never a shell) and collects its output; rejects only
 * when it cannot be started. node:child_process rather than execa because the pacman hooks run
 * these, and execa's load (its signal table is built at import) is a cost every hook paid.
 */
export function runCommand(
  file: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.fds ?? [])],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${file}: ${error.message}`)));
    child.on('close', (code, signal) =>
      resolve({
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      }),
    );
  });
}

/** The one-line reason a command failed: its stderr, or its exit status. */
export function failureText(result: CommandResult): string {
  return result.stderr.trim() || (result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`);
}
