// Benchmark of dualroot-watch (the built bundle, as installed): idle CPU and memory while watching
// an ESP-sized tree and a 3,000-file /etc-sized tree, change-to-destination latency at the default
// settings, and syncs per 1,000-file burst.
//
//   sudo BENCH_ONLY=watch npm run bench          (or: npm run build && node --import
//   sudo BENCH_SMOKE=1 BENCH_ONLY=watch npm run bench     @tapjs/typescript/import bench/watch.ts)
//
// Needs root (loop devices, mounts); run directly, it re-executes itself in a private mount
// namespace (bench/run.js already runs it in one). Writes bench/results/watch.{md,json}.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { WatchState } from '../src/core/watch-state.js';
import { makeDisk, mount, scratch } from '../test/helpers/sim.js';
import { cpuTicks, memoryKiB, sleep, waitFor } from './lib/proc-stats.js';
import { scope } from './lib/scope.js';
import { watchReport } from './lib/watch-report.js';
import { makeEspTree, makeEtcTree } from './lib/watch-trees.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const IDLE_SECONDS = SMOKE ? 10 : 60;
const LATENCY_TRIALS = SMOKE ? 3 : 20;
const BURSTS = SMOKE ? 1 : 5;
const BURST_FILES = 1000;
const ETC_FILES = 3000;
const BUNDLE = join(import.meta.dirname, '../dist/dualroot-watch/index.js');

if (process.env.DUALROOT_BENCH_NS !== '1' && process.env.BENCH_COMMAND === undefined) {
  // Mounts must not leak to the host: run again inside a private mount namespace.
  const r = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, DUALROOT_BENCH_NS: '1' } },
  );
  process.exit(r.status ?? 1);
}

const { t: fakeTest, close } = scope();

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`bench: ${BUNDLE} is missing; fix: run npm run build first`);
  const clkTck = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;
  const root = scratch(fakeTest);
  const disk0 = await makeDisk(fakeTest, root, [{ type: 'esp', sizeMiB: 256 }]);
  const disk1 = await makeDisk(fakeTest, root, [
    { type: 'esp', sizeMiB: 256 },
    { type: 'linux', sizeMiB: 128 },
  ]);
  const efi0 = join(root, 'efi0');
  const efi1 = join(root, 'efi1');
  const etc = join(root, 'etc');
  const etcCopy = join(root, 'mnt/root1/etc');
  await mount(fakeTest, disk0.parts[0]!.device, efi0);
  await mount(fakeTest, disk1.parts[0]!.device, efi1);
  await mount(fakeTest, disk1.parts[1]!.device, join(root, 'mnt/root1'));
  mkdirSync(etcCopy, { recursive: true });
  const espBytes = makeEspTree(efi0);
  makeEtcTree(etc, ETC_FILES);
  const efivars = join(root, 'efivars');
  mkdirSync(efivars);
  const text = Buffer.from(`${disk0.parts[0]!.partUuid.toUpperCase()}\0`, 'utf16le');
  writeFileSync(
    join(efivars, 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'),
    Buffer.concat([Buffer.from([7, 0, 0, 0]), text]),
  );
  const config = join(root, 'dualroot.conf');
  writeFileSync(
    config,
    `[esp]\nexclude = /loader/random-seed, lost+found\n[bind]\ntarget = ${join(root, 'boot')}\n[sync:etc]\nsource = ${etc}\ndestinations = ${etcCopy}\n`,
    { mode: 0o644 },
  );
  const runDir = join(root, 'run');
  const stateFile = join(runDir, 'watch-state.json');
  const state = (): WatchState | undefined => {
    try {
      return JSON.parse(readFileSync(stateFile, 'utf8')) as WatchState;
    } catch {
      return undefined;
    }
  };
  const env = {
    PATH: process.env.PATH,
    DUALROOT_CONFIG: config,
    DUALROOT_EFIVARS: efivars,
    DUALROOT_ESP_ROOT: root,
    DUALROOT_RUN_DIR: runDir,
    // Only this benchmark's disks (sim.ts's /sys/class/block view): other loop-device ESPs on the
    // host would make every ESP sync "degraded".
    DUALROOT_SYSFS: join(root, 'sys'),
  };
  let log = '';
  // BENCH_NODE_FLAGS: node flags for the daemon (to compare V8 settings); by default the ones the
  // unit gives it (Environment=NODE_OPTIONS=), so the figures are those of the daemon as shipped.
  const flags = (process.env.BENCH_NODE_FLAGS ?? unitNodeOptions()).split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...flags, BUNDLE], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  fakeTest.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  const pid = child.pid!;
  const allIdle = () => {
    const s = state();
    return (
      s !== undefined &&
      ['esp', 'etc'].every(
        (i) => (s.items[i]?.syncs ?? 0) >= 1 && s.items[i]?.phase === 'idle' && !s.items[i]?.pending,
      )
    );
  };
  const startupMs = await waitFor(allIdle, 300_000, 'the first sync of both items', 50);
  const espOk = state()?.items.esp?.lastResult;
  const etcOk = state()?.items.etc?.lastResult;
  if (espOk !== 'ok' || etcOk !== 'ok')
    throw new Error(`bench: first sync not ok (esp ${espOk}, etc ${etcOk}):\n${log}`);
  // Let V8's memory reducer finish its post-start-up collections before measuring idle.
  await sleep(SMOKE ? 10_000 : 20_000);

  // Idle: nothing changes; the daemon should only wake for its mount-table check.
  const before = cpuTicks(pid);
  const t0 = performance.now();
  // BENCH_STRACE=1: list the daemon's system calls while idle (to find what wakes it).
  const trace = process.env.BENCH_STRACE
    ? execa('strace', ['-f', '-tt', '-p', String(pid), '-o', process.env.BENCH_STRACE], { reject: false })
    : undefined;
  await sleep(IDLE_SECONDS * 1000);
  const after = cpuTicks(pid);
  trace?.kill('SIGINT');
  await trace;
  const idleSeconds = (performance.now() - t0) / 1000;
  const idleCpu = ((after.self - before.self) / clkTck / idleSeconds) * 100;
  const rssIdle = memoryKiB(pid, 'VmRSS');
  const anonIdle = memoryKiB(pid, 'RssAnon');
  const fileIdle = memoryKiB(pid, 'RssFile');

  // Latency: a loader entry edited on the booted ESP until the other ESP has it.
  const latencies: number[] = [];
  const entry = 'loader/entries/bench.conf';
  for (let i = 0; i < LATENCY_TRIALS; i++) {
    const token = `title bench ${i} ${Date.now()}\n`;
    const start = performance.now();
    writeFileSync(join(efi0, entry), token);
    await waitFor(
      () => {
        try {
          return readFileSync(join(efi1, entry), 'utf8') === token;
        } catch {
          return false;
        }
      },
      120_000,
      `trial ${i} to reach efi1`,
    );
    latencies.push((performance.now() - start) / 1000);
    await waitFor(allIdle, 120_000, 'the daemon to be idle', 50);
    await sleep(500);
  }

  // Bursts: 1,000 files written into the /etc-sized tree as fast as possible.
  const bursts: { syncs: number; seconds: number }[] = [];
  for (let b = 0; b < BURSTS; b++) {
    const syncsBefore = state()?.items.etc?.syncs ?? 0;
    const dir = join(etc, `burst${b}`);
    mkdirSync(dir);
    const start = performance.now();
    for (let i = 0; i < BURST_FILES; i++) writeFileSync(join(dir, `f${i}`), `burst ${b} file ${i}\n`);
    await waitFor(
      () =>
        existsSync(join(etcCopy, `burst${b}`)) &&
        readdirSync(join(etcCopy, `burst${b}`)).length === BURST_FILES,
      120_000,
      `burst ${b} to reach the copy`,
      20,
    );
    const seconds = (performance.now() - start) / 1000;
    await sleep(5000); // delay + margin: a further sync would have started by now
    await waitFor(allIdle, 120_000, 'the daemon to be idle', 50);
    bursts.push({ syncs: (state()?.items.etc?.syncs ?? 0) - syncsBefore, seconds });
  }
  const rssEnd = memoryKiB(pid, 'VmRSS');
  const rssPeak = memoryKiB(pid, 'VmHWM');

  child.kill('SIGTERM');
  const code = await exited;

  const { result, md } = watchReport({
    smoke: SMOKE,
    flags,
    espBytes,
    etcFiles: ETC_FILES,
    burstFiles: BURST_FILES,
    clkTck,
    startupMs,
    idleSeconds,
    idleCpu,
    before,
    after,
    rssIdle,
    anonIdle,
    fileIdle,
    latencies,
    bursts,
    rssEnd,
    rssPeak,
    code,
  });
  const dir = process.env.BENCH_RESULTS ?? join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'watch.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'watch.md'), md);
  process.stdout.write(`\n${md}\n`);
}

try {
  await main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await close();
  await execa('true');
}

/** The NODE_OPTIONS units/dualroot-watch.service sets, or "". */
function unitNodeOptions(): string {
  const unit = readFileSync(join(import.meta.dirname, '../units/dualroot-watch.service'), 'utf8');
  return /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit)?.[1]?.trim() ?? '';
}
