// Start-up cost: each program's --help, `dualroot-esp --json` on a fixture and the pacman guard
// `dualroot-bind --hook` on a simulated two-disk machine (it reads the whole machine and finds
// /boot right), against bare `node -e 0` of the same node. Every program runs as installed: the
// /usr/bin launcher packaging/install.sh writes (node's compile cache where node has one), for
// each node of BENCH_NODES. Runs are interleaved (one of each command per round, the order
// rotating every round) so that machine noise hits every command alike; two warm-up rounds are
// discarded (they also fill the compile cache, as the first run after an upgrade does).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { twoDiskMachine } from '../test/helpers/sim.js';
import { benchNodes, type Installed, installFor } from './lib/nodes.js';
import { commandLine, machine, median, publish, type Row, smoke } from './lib/report.js';
import { scope } from './lib/scope.js';

const HELP_GOAL_ABOVE_MS = 100;
/** Issue 13: the guard's overhead on node >= 22 (the node Arch ships). */
const GUARD_GOAL_ABOVE_MS = 40;
const rounds = Number(process.env.BENCH_STARTUP_RUNS ?? (smoke ? 3 : 20));
const warmup = smoke ? 1 : 2;
const programs = ['dualroot-bind', 'dualroot-esp', 'dualroot-status', 'dualroot-sync', 'dualroot-watch'];

interface Command {
  label: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The baseline's label (the same node's `node -e 0`); undefined for a baseline. */
  baseline?: string;
  goal?: Row['goal'];
}

// The children get the caller's environment minus anything that would change how node starts.
const env = { ...process.env };
delete env.NODE_OPTIONS;

function time(command: Command): number {
  const started = performance.now();
  const result = spawnSync(command.file, command.args, {
    env: command.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${command.label} exited ${result.status}: ${`${result.stdout}${result.stderr}`.trim()}`);
  }
  return elapsed;
}

const { t, close } = scope();
const installs: Installed[] = [];
try {
  const m = await twoDiskMachine(t);
  const nodes = benchNodes();
  const commands: Command[] = [];
  for (const node of nodes) {
    const installed = installFor(node);
    installs.push(installed);
    const runEnv = { ...env, ...installed.env };
    const base = `node -e 0 (${node.version})`;
    commands.push({ label: base, file: node.path, args: ['-e', '0'], env: runEnv });
    const program = (label: string, name: string, args: string[], more: Partial<Command> = {}) =>
      commands.push({
        label: `${label} (${node.version})`,
        file: installed.bin(name),
        args,
        env: runEnv,
        baseline: base,
        goal: { aboveMs: HELP_GOAL_ABOVE_MS },
        ...more,
      });
    for (const p of programs) program(`${p} --help`, p, ['--help']);
    program('dualroot-esp --json --efivars <fixture>', 'dualroot-esp', [
      '--json',
      '--efivars',
      'test/fixtures/efivars/both-entries-booted-disk0',
    ]);
    program('dualroot-bind --hook (the pacman guard, /boot right)', 'dualroot-bind', ['--hook'], {
      env: { ...runEnv, ...m.env },
      goal:
        node.major >= 22
          ? { aboveMs: GUARD_GOAL_ABOVE_MS }
          : { text: `for information (goal ${GUARD_GOAL_ABOVE_MS} ms on node ≥ 22)` },
    });
  }
  // The guard passes only when /boot (here the machine's [bind] target) is the booted ESP.
  const bound = spawnSync(installs[0]!.bin('dualroot-bind'), [], {
    env: { ...env, ...m.env },
    encoding: 'utf8',
  });
  if (bound.status !== 0) throw new Error(`dualroot-bind failed: ${bound.stderr}`);

  const samples: Record<string, number[]> = Object.fromEntries(commands.map((c) => [c.label, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    const order = commands.map((_, i) => commands[(i + round) % commands.length]!);
    for (const command of order) {
      const elapsed = time(command);
      if (round >= warmup) samples[command.label]!.push(elapsed);
    }
  }

  const rows: Row[] = commands
    .filter((c) => c.baseline !== undefined)
    .map((c) => ({
      figure: `start-up: \`${c.label}\``,
      dualroot: median(samples[c.label]!),
      baseline: median(samples[c.baseline!]!),
      goal: c.goal!,
      runs: rounds,
    }));

  await publish({
    name: 'startup',
    title: 'Start-up time',
    date: new Date().toISOString(),
    machine: machine(),
    command: commandLine('bench/startup.ts'),
    notes: [
      `Wall time of a child process (node:child_process spawnSync) from spawn to exit, median of ${rounds} runs; baseline is \`node -e 0\` with the same node (${nodes.map((n) => n.version).join(', ')}; BENCH_NODES lists the node binaries).`,
      'Each program started by its launcher as packaging/install.sh installs it (a scratch PREFIX, NODE = that node; the compile cache in a scratch DUALROOT_COMPILE_CACHE, used where node has one, i.e. node ≥ 22.1).',
      '`dualroot-bind --hook` on a simulated two-disk machine (test/helpers/sim.ts: two loop-device ESPs, efivars naming disk 0, [bind] target bound to it): it reads the config, sysfs, `blkid -p`, mountinfo, efivars and fstab, and exits 0.',
      `Commands interleaved, order rotating each round, ${warmup} warm-up round(s) discarded; warm page cache.`,
    ],
    rows,
    samples,
  });
} finally {
  for (const i of installs) i.remove();
  await close();
}
