import { execa } from 'execa';

/** Scheduling for rsync children: nice level and I/O class (the daemon runs them idle). */
export interface Priority {
  nice: number;
  ioClass: 'idle' | 'best-effort' | 'realtime';
}

const IONICE_CLASS = { realtime: '1', 'best-effort': '2', idle: '3' } as const;

/** Runs rsync with an argument array; never throws for rsync's own exit codes. */
export async function runRsync(args: string[], priority?: Priority) {
  const command = priority
    ? ['nice', '-n', String(priority.nice), 'ionice', '-c', IONICE_CLASS[priority.ioClass], 'rsync', ...args]
    : ['rsync', ...args];
  const [file, ...rest] = command as [string, ...string[]];
  const result = await execa(file, rest, { reject: false, stripFinalNewline: false, env: { LC_ALL: 'C' } });
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`cannot run rsync: ${result.shortMessage}`);
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
