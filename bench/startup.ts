// Start-up cost: each program's --help and `dualroot-esp --json` on a fixture, against bare `node -e 0`.
// Every program runs as a real child process from its ncc bundle, exactly as a user would run it.
// Runs are interleaved (one of each command per round, the order rotating every round) so that
// machine noise hits every command alike; two warm-up rounds are discarded.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { commandLine, machine, median, publish, type Row, smoke } from './lib/report.js';

const GOAL_ABOVE_MS = 100;
const rounds = Number(process.env.BENCH_STARTUP_RUNS ?? (smoke ? 3 : 20));
const warmup = smoke ? 1 : 2;

interface Command {
  label: string;
  args: string[];
}

const programs = readdirSync('dist')
  .filter((p) => p.startsWith('dualroot-') && existsSync(`dist/${p}/index.js`))
  .sort();
const baseline: Command = { label: 'node -e 0', args: ['-e', '0'] };
const commands: Command[] = [
  baseline,
  ...programs.map((p) => ({ label: `${p} --help`, args: [`dist/${p}/index.js`, '--help'] })),
  {
    label: 'dualroot-esp --json --efivars <fixture>',
    args: [
      'dist/dualroot-esp/index.js',
      '--json',
      '--efivars',
      'test/fixtures/efivars/both-entries-booted-disk0',
    ],
  },
];

// The children get the caller's environment minus anything that would change how node starts.
const env = { ...process.env };
delete env.NODE_OPTIONS;

function time(command: Command): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, command.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${command.label} exited ${result.status}: ${String(result.stderr).trim()}`);
  }
  return elapsed;
}

const samples: Record<string, number[]> = Object.fromEntries(commands.map((c) => [c.label, []]));
for (let round = 0; round < warmup + rounds; round++) {
  const order = commands.map((_, i) => commands[(i + round) % commands.length]!);
  for (const command of order) {
    const elapsed = time(command);
    if (round >= warmup) samples[command.label]!.push(elapsed);
  }
}

const base = median(samples[baseline.label]!);
const rows: Row[] = commands
  .filter((c) => c !== baseline)
  .map((c) => ({
    figure: `start-up: \`${c.label}\``,
    dualroot: median(samples[c.label]!),
    baseline: base,
    goal: { aboveMs: GOAL_ABOVE_MS },
    runs: rounds,
  }));

await publish({
  name: 'startup',
  title: 'Start-up time',
  date: new Date().toISOString(),
  machine: machine(),
  command: commandLine('bench/startup.ts'),
  notes: [
    `Wall time of a child process (node:child_process spawnSync) from spawn to exit, median of ${rounds} runs; baseline is \`node -e 0\` with the same node (${process.version}).`,
    `Commands interleaved, order rotating each round, ${warmup} warm-up round(s) discarded; warm page cache.`,
  ],
  rows,
  samples,
});
