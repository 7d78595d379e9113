// Signals need a real process: the daemon runs as a child (TypeScript loaded like tap does).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { WatchState } from '../../src/core/watch-state.js';
import { defer, type SimMachine, twoDiskMachine } from '../helpers/sim.js';
import { sameTree, waitFor } from '../helpers/watch.js';

const MARGIN_MS = 10000;
const SKIP = ['lost+found'];
const ENTRY = join(import.meta.dirname, '../../src/bin/dualroot-watch.ts');

const state = (m: SimMachine): WatchState | undefined => {
  try {
    return JSON.parse(readFileSync(join(m.runDir, 'watch-state.json'), 'utf8')) as WatchState;
  } catch {
    return undefined;
  }
};

/** Starts the daemon as a child process; killed at teardown if still running. */
function spawnDaemon(t: Test, m: SimMachine, stderrFile?: string) {
  const env: NodeJS.ProcessEnv = { ...m.env, TS_NODE_TRANSPILE_ONLY: '1' };
  if (process.env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = process.env.NODE_V8_COVERAGE;
  let fd: number | undefined;
  if (stderrFile !== undefined) {
    // stderr is this file, announced as the journal stream (JOURNAL_STREAM = its dev:inode).
    fd = openSync(stderrFile, 'w');
    const st = fstatSync(fd);
    env.JOURNAL_STREAM = `${st.dev}:${st.ino}`;
  }
  const child: ChildProcess = spawn('node', ['--import', '@tapjs/typescript/import', ENTRY], {
    env,
    stdio: ['ignore', 'pipe', fd ?? 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  defer(t, async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, out: () => stdout, err: () => stderr };
}

const firstSync = (m: SimMachine) =>
  waitFor(
    () => (state(m)?.items.esp?.syncs ?? 0) >= 1 && state(m)?.items.esp?.phase === 'idle',
    60000,
    'the first sync',
  );

t.test('SIGTERM with a pending change: the change is synced before the daemon exits 0', async (t) => {
  const m = await twoDiskMachine(t, {
    config: '[watch]\ndelay = 20\nmax_delay = 60\n',
  });
  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), Buffer.alloc(256 * 1024, 3));
  const d = spawnDaemon(t, m);
  await firstSync(m);
  writeFileSync(join(m.efi[0]!, 'initramfs-linux.img'), Buffer.alloc(300 * 1024, 4));
  await waitFor(() => state(m)?.items.esp?.pending === true, MARGIN_MS, 'the change to be pending');
  t.notOk(sameTree(m.efi[0]!, m.efi[1]!, SKIP), 'not yet synced (delay is 20 s)');
  d.child.kill('SIGTERM');
  t.equal(await d.exited, 0, 'exit 0');
  t.ok(sameTree(m.efi[0]!, m.efi[1]!, SKIP), 'the destination is in sync');
  t.match(d.out(), /stopping: syncing pending esp first/);
  t.match(state(m), {
    stopped: String,
    items: { esp: { pending: false, lastResult: 'ok', watching: false } },
  });
});

t.test('SIGHUP with a broken config keeps running on the old one; journal prefixes', async (t) => {
  const m = await twoDiskMachine(t, { config: '[watch]\ndelay = 1\n' });
  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), Buffer.alloc(128 * 1024, 5));
  const errFile = join(m.root, 'stderr.log');
  const d = spawnDaemon(t, m, errFile);
  await firstSync(m);
  writeFileSync(m.config, '[watch]\ndelay = banana\n', { mode: 0o644 });
  d.child.kill('SIGHUP');
  await waitFor(
    () => readFileSync(errFile, 'utf8').includes('reload failed'),
    MARGIN_MS,
    'the reload error to be logged',
  );
  const err = readFileSync(errFile, 'utf8');
  t.match(
    err,
    /^<3>reload failed, keeping the previous configuration: .*dualroot\.conf line \d+ \[watch\] delay: "banana"/m,
  );
  t.match(d.out(), /^<6>esp: synced /m, 'info lines carry <6> when stderr is the journal');
  t.equal(d.child.exitCode, null, 'still running');
  writeFileSync(join(m.efi[0]!, 'after-bad-reload'), 'x\n');
  await waitFor(() => sameTree(m.efi[0]!, m.efi[1]!, SKIP), 1000 + MARGIN_MS, 'the change on efi1');
  t.pass('still syncing with the old configuration');
  writeFileSync(m.config, '[watch]\ndelay = 1\nsweep = 600\n', { mode: 0o644 });
  d.child.kill('SIGHUP');
  await waitFor(() => d.out().includes('reloaded'), MARGIN_MS, 'the good config to be loaded');
  await waitFor(() => state(m)?.settings.sweep === 600, MARGIN_MS, 'the new settings in the state file');
  d.child.kill('SIGINT');
  t.equal(await d.exited, 0, 'SIGINT stops it with exit 0');
});
