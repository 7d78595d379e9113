// A warm dualroot-sync engine: a long-lived node process that runs the same sync as the program
// (src/app/sync.ts's syncRun, same environment) each time a line arrives on stdin, and answers
// "ok" or "error ...". Timing it against the program as a child process separates the program's
// own start-up (node, loading the bundle) from the sync's work, which includes the staged scheme's
// copies and flushes the baseline `rsync + syncfs` does not make.
//   node --import=@tapjs/typescript/import bench/lib/warm-engine.ts   (environment: DUALROOT_*)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running warm engine: run() resolves once its sync is done. */
export interface WarmEngine {
  run(): Promise<void>;
  stop(): void;
}

/** Starts the engine under NODE with ENV (the program's DUALROOT_* environment). */
export function startWarmEngine(node: string, env: NodeJS.ProcessEnv): WarmEngine {
  const child = spawn(node, ['--import=@tapjs/typescript/import', fileURLToPath(import.meta.url)], {
    env: { ...env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  answers.on('line', (line) => waiting.shift()?.(line));
  return {
    run: () =>
      new Promise((resolve, reject) => {
        waiting.push((line) => (line === 'ok' ? resolve() : reject(new Error(`warm engine: ${line}`))));
        child.stdin!.write('run\n');
      }),
    stop: () => child.kill(),
  };
}

async function serve(): Promise<void> {
  const { syncRun } = await import('../../src/app/sync.js');
  const { systemPaths } = await import('../../src/sys/paths.js');
  for await (const _ of createInterface({ input: process.stdin })) {
    try {
      const run = await syncRun(systemPaths(process.env), { dryRun: false, hook: false });
      const failed = run.kind === 'ran' ? run.report.results.filter((r) => r.status === 'failed') : [];
      process.stdout.write(
        run.kind !== 'ran'
          ? `error ${run.kind}\n`
          : failed.length > 0
            ? `error ${failed[0]!.message}\n`
            : 'ok\n',
      );
    } catch (error) {
      process.stdout.write(`error ${(error as Error).message.replaceAll('\n', ' ')}\n`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
