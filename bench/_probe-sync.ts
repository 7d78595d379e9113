// Where dualroot-sync's time goes (a tool, not a benchmark: run.js skips names starting with "_").
// Sets up sync-cost's machine (two 768 MiB loop ESPs, the 316 MB ESP of bench/lib/esp.ts), installs
// dualroot per node of BENCH_NODES with packaging/install.sh, then for "nothing changed" and "one
// kernel upgraded" either times PROBE_RUNS runs of each node against dualroot's own rsync command +
// `sync -f` (PROBE_MODE=time), or writes one `strace -f --seccomp-bpf -tt` of the child processes
// (PROBE_MODE=strace) or one `node --cpu-prof` profile (PROBE_MODE=prof) per node into PROBE_OUT.
// PROBE_TREES=dir,dir installs each source tree's built dist/ instead (before/after a change, interleaved).
//   unshare --mount --propagation private node --import=@tapjs/typescript/import bench/_probe-sync.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/core/config.js';
import { rsyncArgs } from '../src/core/rsync.js';
import { twoDiskMachine } from '../test/helpers/sim.js';
import { KERNELS, kernelFiles, populateEsp, stamp, writeRandom } from './lib/esp.js';
import { benchNodes, type Installed, installFor } from './lib/nodes.js';
import { median } from './lib/report.js';
import { scope } from './lib/scope.js';

const out = process.env.PROBE_OUT ?? '/tmp/dualroot-probe';
mkdirSync(out, { recursive: true });
const mode = process.env.PROBE_MODE ?? 'time';
const n = Number(process.env.PROBE_RUNS ?? 11);
const { t, close } = scope();
const installs: Installed[] = [];
try {
  const m = await twoDiskMachine(t, { espMiB: 768 });
  const [source, destination] = m.efi as [string, string];
  populateEsp(source, 1);
  let clock = Math.floor(Date.now() / 1000) - 100_000;
  const upgraded = kernelFiles(KERNELS[0], 1);
  const same = rsyncArgs(
    {
      item: 'esp',
      source,
      destination,
      fat: true,
      exclude: parseConfig('', 'defaults').esp.exclude,
    } as never,
    { dryRun: false, extra: [] },
  );
  // PROBE_TREES=dir,dir: the same runs with each source tree's built dist/ (e.g. before and after a change).
  const trees = (process.env.PROBE_TREES ?? '.').split(',');
  const label = (i: Installed) =>
    `${trees.length > 1 ? `${trees[installs.indexOf(i) % trees.length]} ` : ''}${i.node.version}`;
  for (const node of benchNodes()) for (const tree of trees) installs.push(installFor(node, tree));
  const sh = (f: string, a: string[], env?: NodeJS.ProcessEnv) => {
    const r = spawnSync(f, a, { env: env ?? process.env, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 3) throw new Error(`${f} ${a.join(' ')}: ${r.status} ${r.stderr}`);
    return r;
  };
  const upgrade = () => {
    clock += 10;
    for (const [file, bytes] of upgraded) {
      writeRandom(join(source, file), bytes);
      stamp(join(source, file), clock);
    }
  };
  sh('rsync', ['-rt', '--delete', `${source}/`, `${destination}/`]);
  for (const i of installs) sh(i.bin('dualroot-sync'), [], { ...m.env, ...i.env });
  const variants: Record<string, (prefix?: string[]) => void> = {
    same: () => {
      sh('rsync', same);
      sh('sync', ['-f', destination]);
    },
  };
  for (const i of installs)
    variants[label(i)] = (prefix = []) =>
      prefix.length
        ? sh(prefix[0]!, [...prefix.slice(1), i.bin('dualroot-sync')], { ...m.env, ...i.env })
        : sh(i.bin('dualroot-sync'), [], { ...m.env, ...i.env });
  const report: string[] = [];
  // PROBE_SCENARIOS=fresh,unchanged,kernel (default unchanged,kernel); fresh empties the destination first.
  const scenarios = (process.env.PROBE_SCENARIOS ?? 'unchanged,kernel').split(',');
  const prepare = (scenario: string) => {
    if (scenario === 'kernel') upgrade();
    if (scenario === 'fresh')
      for (const e of readdirSync(destination))
        if (e !== 'lost+found') rmSync(join(destination, e), { recursive: true, force: true });
  };
  for (const scenario of scenarios) {
    if (mode === 'time') {
      const times: Record<string, number[]> = {};
      for (let r = 0; r < n; r++)
        // The order rotates every round, so load and writeback hit every variant alike.
        for (const [name, fn] of Object.entries(variants).map((_, k, all) => all[(k + r) % all.length]!)) {
          prepare(scenario);
          sh('sync', []);
          const s = performance.now();
          fn();
          times[name] = [...(times[name] ?? []), performance.now() - s];
        }
      for (const [name, ts] of Object.entries(times))
        report.push(
          `${scenario} ${name}: median ${median(ts).toFixed(1)} ms  [${ts.map((x) => x.toFixed(0)).join(' ')}]`,
        );
    } else {
      for (const i of installs) {
        prepare(scenario);
        sh('sync', []);
        const file = join(out, `${mode}-${scenario}-${label(i).replace(/\W+/g, '_')}`);
        if (mode === 'strace')
          variants[label(i)]!([
            'strace',
            '--seccomp-bpf',
            '-f',
            '-tt',
            '-e',
            process.env.PROBE_TRACE ?? 'trace=execve,syncfs,flock,exit_group,openat',
            '-o',
            `${file}.txt`,
          ]);
        else
          sh(i.node.path, ['--cpu-prof', `--cpu-prof-dir=${file}`, i.bin('dualroot-sync')], {
            ...m.env,
            ...i.env,
          });
      }
    }
  }
  writeFileSync(join(out, `${mode}.txt`), `${report.join('\n')}\n`);
  process.stdout.write(`${report.join('\n')}\n`);
} finally {
  for (const i of installs) i.remove();
  await close();
}
