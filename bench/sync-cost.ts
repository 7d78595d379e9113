// Sync cost: dualroot-sync against bare `rsync -rt --delete` doing the same copy between the same two
// loop-mounted filesystems, on a realistic ~300 MB ESP. Scenarios: fresh copy, nothing changed, one
// kernel upgraded; and against the same sync run in a warm node (bench/lib/warm-engine.ts), which
// isolates the program's start-up. dualroot-sync runs as a real child process, started by its launcher as
// packaging/install.sh installs it (once per node of BENCH_NODES), with the environment a user
// would give it, so its start-up is included.
//
// Needs root and a private mount namespace: `npm run bench` runs it under
// `unshare --mount --propagation private`.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/core/config.js';
import { rsyncArgs } from '../src/core/rsync.js';
import { twoDiskMachine } from '../test/helpers/sim.js';
import { KERNELS, kernelFiles, populateEsp, stamp, writeRandom } from './lib/esp.js';
import { benchNodes, type Installed, installFor } from './lib/nodes.js';
import { commandLine, machine, median, publish, type Row, smoke } from './lib/report.js';
import { scope } from './lib/scope.js';
import { startWarmEngine, type WarmEngine } from './lib/warm-engine.js';

const scale = smoke ? 0.1 : 1;
const dropCaches = process.env.BENCH_DROP_CACHES === '1';
const runs = smoke ? { fresh: 2, unchanged: 3, kernel: 2 } : { fresh: 7, unchanged: 21, kernel: 9 };

const degradedWarnings = new Set<string>();

function run(file: string, args: string[], env?: NodeJS.ProcessEnv, ok = [0]): void {
  const result = spawnSync(file, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 3) degradedWarnings.add(String(result.stderr).trim());
  if (!ok.includes(result.status ?? -1)) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).trim()}`);
  }
}

/** Flushes everything (so no earlier dirty data is written back inside a timed run), optionally drops caches. */
function settle(): void {
  run('sync', []);
  if (dropCaches) writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

/** Issue 13: the program's own overhead (vs its own rsync command + syncfs), by node major version. */
const overheadGoalMs = (major: number) => (major >= 22 ? 50 : 70);

const { t, close } = scope();
const installs: Installed[] = [];
let stopEngines = () => {};
try {
  const m = await twoDiskMachine(t, { espMiB: smoke ? 128 : 768 });
  const [source, destination] = m.efi as [string, string];
  const total = populateEsp(source, scale);
  // Fixed, well-separated modification times: every rewrite gets a time 10 s after the last one.
  let clock = Math.floor(Date.now() / 1000) - 100_000;
  const upgraded = kernelFiles(KERNELS[0], scale);
  const upgradeBytes = upgraded.reduce((sum, [, bytes]) => sum + bytes, 0);

  const env = { ...m.env };
  // The rsync command dualroot-sync runs for this ESP (same code, default config): timing it bare
  // separates the cost of the rsync options from the cost of the program around them.
  const sameArgs = rsyncArgs(
    { item: 'esp', source, destination, fat: true, exclude: parseConfig('', 'defaults').esp.exclude },
    { dryRun: false, extra: [] },
  );
  for (const node of benchNodes()) installs.push(installFor(node));
  const dualrootOf = (i: Installed) => `dualroot (${i.node.version})`;
  const warmOf = (i: Installed) => `warm engine (${i.node.version})`;
  const engines = new Map<Installed, WarmEngine>(installs.map((i) => [i, startWarmEngine(i.node.path, env)]));
  stopEngines = () => {
    for (const e of engines.values()) e.stop();
  };
  const variants: Record<string, () => void | Promise<void>> = {
    ...Object.fromEntries(installs.map((i) => [warmOf(i), () => engines.get(i)!.run()])),
    // Exit 3 (degraded) is accepted: ESP discovery scans the whole host, and other users' loop
    // devices with ESP partitions show up as unmounted ESPs. Every run is verified below anyway.
    ...Object.fromEntries(
      installs.map((i) => [
        dualrootOf(i),
        () => run(i.bin('dualroot-sync'), [], { ...env, ...i.env }, [0, 3]),
      ]),
    ),
    rsync: () => run('rsync', ['-rt', '--delete', `${source}/`, `${destination}/`]),
    'rsync+syncfs': () => {
      run('rsync', ['-rt', '--delete', `${source}/`, `${destination}/`]);
      run('sync', ['-f', destination]);
    },
    'same-rsync+syncfs': () => {
      run('rsync', sameArgs);
      run('sync', ['-f', destination]);
    },
  };
  type Variant = string;
  const names = Object.keys(variants);

  /** Fails unless the destination now holds exactly the source's files (size and time). */
  const verify = (checksum: boolean) => {
    const result = spawnSync(
      'rsync',
      // Times compared as dualroot compares them (FAT keeps 2 s): a directory created within a second
      // of its source keeps its own time, which --modify-window=1 rightly calls equal. Directory times
      // are left out: a staged ESP update renames files into place and does not carry them, and dualroot
      // itself counts a time-only change as noise (core/rsync.ts parseRsyncOutput).
      [
        '-rtn',
        '--omit-dir-times',
        '--modify-window=1',
        checksum ? '-c' : '',
        '--delete',
        '--itemize-changes',
        `${source}/`,
        `${destination}/`,
      ].filter(Boolean),
      { encoding: 'utf8' },
    );
    if (result.status !== 0 || result.stdout.trim() !== '') {
      throw new Error(`destination differs from source after a run:\n${result.stdout}${result.stderr}`);
    }
  };

  const scenarios: { key: keyof typeof runs; label: string; prepare: () => void }[] = [
    {
      key: 'fresh',
      label: 'fresh copy to an empty ESP',
      prepare: () => {
        for (const entry of readdirSync(destination)) rmSync(join(destination, entry), { recursive: true });
      },
    },
    { key: 'unchanged', label: 'nothing changed', prepare: () => {} },
    {
      key: 'kernel',
      label: `one kernel upgraded (vmlinuz + initramfs + fallback, ${(upgradeBytes / 2 ** 20).toFixed(0)} MiB)`,
      prepare: () => {
        clock += 10;
        for (const [file, bytes] of upgraded) {
          writeRandom(join(source, file), bytes);
          stamp(join(source, file), clock);
        }
      },
    },
  ];

  const samples: Record<string, number[]> = {};
  const rows: Row[] = [];
  variants.rsync!(); // start every scenario from a destination in sync
  // Fill each node's compile cache, as the first run after an install does (untimed).
  for (const i of installs) {
    variants[dualrootOf(i)]!();
    await engines.get(i)!.run();
  }
  for (const scenario of scenarios) {
    const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Variant, number[]>;
    for (let i = 0; i < runs[scenario.key]; i++) {
      // Alternate: the order of the variants rotates every round.
      for (let k = 0; k < names.length; k++) {
        const name = names[(i + k) % names.length]!;
        scenario.prepare();
        settle();
        const started = performance.now();
        await variants[name]!();
        times[name]!.push(performance.now() - started);
        try {
          verify(false);
        } catch (e) {
          throw new Error(`after ${name} in ${scenario.key} run ${i}: ${(e as Error).message}`);
        }
      }
    }
    verify(true);
    for (const name of names) samples[`${scenario.key}/${name}`] = times[name]!;
    const n = runs[scenario.key];
    for (const i of installs) {
      const d = median(times[dualrootOf(i)]!);
      const who = installs.length > 1 ? ` [${i.node.version}]` : '';
      const overhead = overheadGoalMs(i.node.major);
      rows.push({
        figure: `${scenario.label}: vs bare rsync${who}`,
        dualroot: d,
        baseline: median(times.rsync!),
        goal: scenario.key === 'unchanged' ? { aboveMs: 150 } : { text: 'for information' },
        runs: n,
      });
      rows.push({
        figure: `${scenario.label}: vs rsync + syncfs (same durability)${who}`,
        dualroot: d,
        baseline: median(times['rsync+syncfs']!),
        goal: scenario.key === 'unchanged' ? { text: 'for information' } : { ratio: 1.1, plusMs: overhead },
        runs: n,
      });
      rows.push({
        figure: `${scenario.label}: vs the pre-staged scheme's one rsync command + syncfs${who}`,
        dualroot: d,
        baseline: median(times['same-rsync+syncfs']!),
        goal: { text: 'for information' },
        runs: n,
      });
      rows.push({
        figure: `${scenario.label}: vs the same sync in a warm node (start-up and loading: the program's overhead)${who}`,
        dualroot: d,
        baseline: median(times[warmOf(i)]!),
        goal: { aboveMs: overhead },
        runs: n,
      });
    }
  }

  await publish({
    name: 'sync-cost',
    title: 'Sync cost: dualroot-sync vs bare rsync',
    date: new Date().toISOString(),
    machine: machine(),
    command: commandLine('bench/sync-cost.ts'),
    notes: [
      `ESP: systemd-boot (twice: EFI/systemd and EFI/BOOT), ${KERNELS.length} kernels (${KERNELS.map((k) => k.name).join(', ')}) each with vmlinuz, initramfs and fallback initramfs, intel/amd microcode, 6 loader entries; ${(total / 1e6).toFixed(0)} MB of random (incompressible) data.`,
      `Two GPT images on loop devices (sparse files on the host's /tmp), one ${smoke ? 128 : 768} MiB ext4 ESP each (the host has no vfat), mounted in a private mount namespace; booted disk = disk 0 (efivars with LoaderDevicePartUUID).`,
      `dualroot: \`dualroot-sync\` as a child process, started by the launcher packaging/install.sh writes (a scratch PREFIX, NODE = ${installs.map((i) => i.node.version).join(', ')} from BENCH_NODES; compile cache in a scratch DUALROOT_COMPILE_CACHE, used by node ≥ 22.1, filled by one untimed run), with DUALROOT_CONFIG, DUALROOT_EFIVARS, DUALROOT_ESP_ROOT, DUALROOT_RUN_DIR and DUALROOT_SYSFS (a /sys/class/block view holding only the two disks, from test/helpers/sim.ts); it takes the lock, identifies the booted ESP, runs rsync, flushes the destination with syncfs and writes sync-state.json. Baseline: \`rsync -rt --delete efi0/ efi1/\`; "rsync + syncfs" adds \`sync -f efi1\` (same durability as dualroot); "dualroot's own rsync command + syncfs" is \`rsync ${sameArgs.join(' ').replaceAll(source, 'efi0').replaceAll(destination, 'efi1')}\` then \`sync -f efi1\`, run directly: the whole of the copy before the staged scheme (issue 15), which now copies the changed files into \`.dualroot-staging/\` (in its own process, not by rsync), flushes, points the loader entries naming them at the staged copies, copies those into place (so they are written twice) and renames the rest, with a flush after each group. "Warm engine": the same sync (src/app/sync.ts) in a long-lived node of the same version (bench/lib/warm-engine.ts), one run per line on its stdin: dualroot minus it is the program's own start-up and loading.`,
      `${dropCaches ? 'Cold cache: `sync` and drop_caches before every timed run.' : 'Warm cache: `sync` (untimed) before every timed run so no earlier dirty data is written back inside it; caches not dropped.'} Medians of ${runs.fresh} / ${runs.unchanged} / ${runs.kernel} runs per variant; variants alternate, order rotating each round; each run is checked (destination = source), and each scenario ends with a checksum comparison.`,
    ],
    rows,
    samples,
  });
  if (degradedWarnings.size) {
    process.stdout.write(
      `\ndualroot-sync exited 3 (degraded) in some runs; its warnings:\n${[...degradedWarnings].join('\n')}\n`,
    );
  }
} finally {
  stopEngines();
  for (const i of installs) i.remove();
  await close();
}
