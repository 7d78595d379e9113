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
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import type { WatchState } from '../src/core/watch-state.js';
import { makeDisk, mount, scratch } from '../test/helpers/sim.js';
import { commandLine, machine } from './lib/report.js';

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

/** sim.ts registers cleanups on a tap Test; the benchmark collects them itself. */
const cleanups: (() => unknown)[] = [];
const fakeTest = { teardown: (fn: () => unknown) => cleanups.push(fn) } as unknown as Test;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function waitFor(cond: () => boolean, timeoutMs: number, what: string, everyMs = 10): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
  return performance.now() - start;
}

/** An ESP as an Arch machine has it: boot loader, loader entries, kernel, initramfs images, microcode. */
function makeEspTree(dir: string): number {
  const files: [string, number][] = [
    ['EFI/BOOT/BOOTX64.EFI', 120_000],
    ['EFI/systemd/systemd-bootx64.efi', 120_000],
    ['loader/loader.conf', 40],
    ['loader/entries/arch.conf', 200],
    ['loader/entries/arch-fallback.conf', 220],
    ['loader/entries/arch-lts.conf', 200],
    ['vmlinuz-linux', 14_000_000],
    ['initramfs-linux.img', 20_000_000],
    ['initramfs-linux-fallback.img', 60_000_000],
    ['vmlinuz-linux-lts', 13_000_000],
    ['initramfs-linux-lts.img', 18_000_000],
    ['intel-ucode.img', 8_000_000],
    ['amd-ucode.img', 100_000],
  ];
  let bytes = 0;
  for (const [path, size] of files) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), randomBytes(size));
    bytes += size;
  }
  return bytes;
}

/** An /etc-sized tree: 3,000 small files in about 300 directories, up to 3 levels deep. */
function makeEtcTree(dir: string): void {
  for (let i = 0; i < ETC_FILES; i++) {
    const sub = join(dir, `d${i % 100}`, `s${i % 3}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${i}.conf`), randomBytes(200 + (i % 20) * 100).toString('base64'));
  }
}

function cpuTicks(pid: number): { self: number; children: number } {
  // Fields after the ")" of the command name: utime is field 14, stime 15, cutime 16, cstime 17.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { self: n(14) + n(15), children: n(16) + n(17) };
}

function memoryKiB(pid: number, key: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return Number(m?.[1] ?? Number.NaN);
}

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
  makeEtcTree(etc);
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
  cleanups.push(async () => {
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
  const idleChildren = after.children - before.children;
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

  const result = {
    name: 'watch',
    title: 'dualroot-watch: idle cost, memory, change-to-copy latency, syncs per burst',
    date: new Date().toISOString(),
    machine: machine(),
    command: commandLine('bench/watch.ts'),
    smoke: SMOKE,
    nodeFlags: flags.join(' '),
    trees: { espMiB: +(espBytes / 2 ** 20).toFixed(1), espFiles: 13, etcFiles: ETC_FILES },
    startupToFirstSyncs: +(startupMs / 1000).toFixed(2),
    idle: {
      seconds: +idleSeconds.toFixed(1),
      cpuPercentOfOneCore: +idleCpu.toFixed(4),
      ticks: after.self - before.self,
      childTicks: idleChildren,
      rssMiB: +(rssIdle / 1024).toFixed(1),
      /** Private memory; the rest is file-backed (mostly the node binary, shared by every node process). */
      rssAnonMiB: +(anonIdle / 1024).toFixed(1),
      rssFileMiB: +(fileIdle / 1024).toFixed(1),
    },
    latency: {
      trials: latencies.length,
      p50: +percentile(latencies, 50).toFixed(3),
      p90: +percentile(latencies, 90).toFixed(3),
      max: +Math.max(...latencies).toFixed(3),
    },
    bursts: bursts.map((b) => ({ syncs: b.syncs, seconds: +b.seconds.toFixed(2) })),
    rss: { endMiB: +(rssEnd / 1024).toFixed(1), peakMiB: +(rssPeak / 1024).toFixed(1) },
    exitCode: code,
    samples: { latencySeconds: latencies },
  };
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const rows: [string, string, string, string][] = [
    [
      `idle CPU over ${result.idle.seconds} s (utime+stime, /proc/PID/stat)`,
      `${idleCpu.toFixed(3)} % of one core (${result.idle.ticks} ticks of ${1000 / clkTck} ms)`,
      '< 0.1 %',
      yes(idleCpu < 0.1),
    ],
    [
      'resident memory after idle (VmRSS)',
      `${result.idle.rssMiB} MiB = ${((rssIdle * 1024) / 1e6).toFixed(1)} MB (private RssAnon ${result.idle.rssAnonMiB} MiB, file-backed ${result.idle.rssFileMiB} MiB)`,
      '< 64 MB (64,000,000 bytes)',
      yes(rssIdle * 1024 < 64e6),
    ],
    [
      'resident memory after the bursts / peak (VmHWM)',
      `${result.rss.endMiB} / ${result.rss.peakMiB} MiB`,
      'for information',
      '—',
    ],
    [
      `change → other ESP identical, p50 / p90 / max of ${latencies.length}`,
      `${result.latency.p50.toFixed(3)} / ${result.latency.p90.toFixed(3)} / ${result.latency.max.toFixed(3)} s`,
      'p50 < delay + 0.5 s = 2.5 s',
      yes(result.latency.p50 < 2.5),
    ],
    [
      `syncs per burst of ${BURST_FILES} files (${bursts.length} bursts)`,
      bursts.map((b) => b.syncs).join(', '),
      '≤ 2',
      yes(bursts.every((b) => b.syncs <= 2)),
    ],
    [
      'burst start → copy complete',
      bursts.map((b) => `${b.seconds.toFixed(2)} s`).join(', '),
      'for information',
      '—',
    ],
    ['start → first sync of both items done', `${result.startupToFirstSyncs} s`, 'for information', '—'],
    ['exit code after SIGTERM', String(code), '0', yes(code === 0)],
  ];
  const md = [
    `### ${result.title}${SMOKE ? ' (smoke run: shortened, figures not meaningful)' : ''}`,
    '',
    `Measured ${result.date} on: ${result.machine}.`,
    `Command: \`${result.command}\`${flags.length ? ` with the daemon started as \`node ${flags.join(' ')}\`` : ''}.`,
    '',
    `- Trees: ESP ${result.trees.espMiB} MiB in ${result.trees.espFiles} files; /etc-like item ${ETC_FILES} files in 300 directories. Default settings: delay 2 s, max_delay 30 s, nice 15, idle I/O.`,
    '',
    '| figure | dualroot-watch | goal | met |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
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
  for (const fn of cleanups.reverse()) await fn();
  await execa('true');
}

/** The NODE_OPTIONS units/dualroot-watch.service sets, or "". */
function unitNodeOptions(): string {
  const unit = readFileSync(join(import.meta.dirname, '../units/dualroot-watch.service'), 'utf8');
  return /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit)?.[1]?.trim() ?? '';
}
