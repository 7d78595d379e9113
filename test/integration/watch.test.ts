import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import type { WatchState } from '../../src/core/watch-state.js';
import { mount, twoDiskMachine } from '../helpers/sim.js';
import { sameTree, sleep, startInProcess, waitFor } from '../helpers/watch.js';

// Generous margins: these run on a loaded 2-core machine with real loop devices and rsync.
const MARGIN_MS = 10000;
/** [watch] delay's default, which these daemons run with. */
const DELAY_MS = 2000;
/** Change to copy: one rsync of a six-file tree after the quiet period (2.04 s p50 in bench/watch.ts). */
const CHANGE_MARGIN_MS = 4000;
const SKIP = ['lost+found'];

/** Holds the sync lock as another dualroot run would: flock(1) around a cat that ends when stdin closes. */
async function holdLock(file: string) {
  mkdirSync(dirname(file), { recursive: true });
  const holder = execa('flock', ['--exclusive', file, 'cat'], { stdin: 'pipe', reject: false });
  for (;;) {
    const probe = await execa('flock', ['--nonblock', file, 'true'], { reject: false });
    if (probe.exitCode !== 0) break;
    await sleep(50);
  }
  return {
    async release() {
      holder.stdin?.end();
      await holder;
    },
  };
}

const state = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'watch-state.json'), 'utf8')) as WatchState;

function populate(dir: string) {
  mkdirSync(join(dir, 'loader/entries'), { recursive: true });
  mkdirSync(join(dir, 'EFI/BOOT'), { recursive: true });
  writeFileSync(join(dir, 'loader/loader.conf'), 'default arch.conf\ntimeout 3\n');
  writeFileSync(join(dir, 'loader/entries/arch.conf'), 'title Arch\nlinux /vmlinuz-linux\n');
  writeFileSync(join(dir, 'EFI/BOOT/BOOTX64.EFI'), Buffer.alloc(64 * 1024, 1));
  writeFileSync(join(dir, 'vmlinuz-linux'), Buffer.alloc(512 * 1024, 2));
}

t.test('syncs at start, then a change reaches the destination within delay + margin', async (t) => {
  const m = await twoDiskMachine(t);
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('esp') >= 1, 30000, 'the first sync');
  t.ok(sameTree(m.efi[0]!, m.efi[1]!, SKIP), 'the start-up sync copied the ESP');
  t.match(d.stdout.join('\n'), /esp: synced .*efi0 -> .*efi1/);
  writeFileSync(join(m.efi[0]!, 'loader/entries/arch.conf'), 'title Arch (edited)\nlinux /vmlinuz-linux\n');
  const ms = await waitFor(
    () => readFileSync(join(m.efi[1]!, 'loader/entries/arch.conf'), 'utf8').includes('edited'),
    DELAY_MS + CHANGE_MARGIN_MS,
    'the edited loader entry on efi1',
  );
  // The copy waits out the quiet period (a sync per event would copy half-written files), then runs.
  t.ok(ms >= DELAY_MS - 100, `no copy before the ${DELAY_MS} ms quiet period ended (${ms} ms)`);
  t.comment(`destination matched ${ms} ms after the change`);
  await waitFor(() => state(m.runDir).items.esp?.syncs === d.syncs('esp'), MARGIN_MS, 'the state file');
  const s = state(m.runDir);
  t.match(s.items.esp, { source: m.efi[0], watching: true, lastResult: 'ok' });
  t.equal(s.stopped, null);
  t.equal(await d.stop(), 0);
  t.equal(state(m.runDir).stopped !== null, true, 'the state file says the daemon stopped');
});

t.test('a burst of 1,000 file writes causes at most 2 syncs', async (t) => {
  const m = await twoDiskMachine(t, { espMiB: 64 });
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('esp') >= 1 && d.events.at(-1)?.type === 'end', 30000, 'the first sync');
  const before = d.syncs('esp');
  mkdirSync(join(m.efi[0]!, 'burst'));
  for (let i = 0; i < 1000; i++) writeFileSync(join(m.efi[0]!, 'burst', `f${i}`), `file ${i}\n`);
  await waitFor(() => sameTree(m.efi[0]!, m.efi[1]!, SKIP), 30000 + MARGIN_MS, 'the burst on efi1');
  await sleep(2000 + 3000); // anything still queued would start within delay
  await waitFor(() => d.events.at(-1)?.type !== 'start', 30000, 'the last sync to end');
  const syncs = d.syncs('esp') - before;
  t.ok(syncs >= 1 && syncs <= 2, `the burst caused ${syncs} sync(s)`);
});

t.test('changes during a sync cause exactly one more sync', async (t) => {
  const m = await twoDiskMachine(t);
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('esp') >= 1 && d.events.at(-1)?.type === 'end', 30000, 'the first sync');
  // Hold the sync lock (as a pacman hook run would): the next sync starts and waits inside syncOnce.
  const lock = await holdLock(join(m.runDir, 'sync.lock'));
  const starts = () => d.events.filter((e) => e.type === 'start').length;
  const before = starts();
  writeFileSync(join(m.efi[0]!, 'one'), '1\n');
  await waitFor(() => starts() === before + 1, 2000 + MARGIN_MS, 'a sync to start');
  for (let i = 0; i < 20; i++) {
    writeFileSync(join(m.efi[0]!, `during-${i}`), `${i}\n`);
    await sleep(20);
  }
  await sleep(2000 + 3000);
  t.equal(starts(), before + 1, 'one sync per item at a time');
  t.equal(state(m.runDir).items.esp?.pending, true, 'the state file shows the changes as pending');
  await lock.release();
  await waitFor(() => sameTree(m.efi[0]!, m.efi[1]!, SKIP), MARGIN_MS * 2, 'efi1 to match');
  await sleep(2000 + 3000);
  t.equal(starts(), before + 2, 'exactly one more sync after it');
  t.equal(state(m.runDir).items.esp?.pending, false);
});

t.test('a missing destination is skipped, reported, and synced once it is mounted', async (t) => {
  const m = await twoDiskMachine(t, { mountEfi1: false });
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('esp') >= 1, 30000, 'the first sync');
  t.match(d.stderr.join('\n'), /efi1: skipped: .*not a mount point.*will retry when it is back/);
  t.equal(state(m.runDir).items.esp?.lastResult, 'degraded');
  writeFileSync(join(m.efi[0]!, 'while-degraded'), 'x\n');
  await sleep(2000 + 1000);
  await mount(t, m.disks[1]!.parts[0]!.device, m.efi[1]!);
  await waitFor(
    () => sameTree(m.efi[0]!, m.efi[1]!, SKIP),
    5000 + MARGIN_MS * 2,
    'efi1 to be synced once mounted',
  );
  const efi1Ok = () => {
    const sync = JSON.parse(readFileSync(join(m.runDir, 'sync-state.json'), 'utf8'));
    return sync.items.esp.destinations[m.efi[1]!]?.ok === true;
  };
  await waitFor(efi1Ok, MARGIN_MS, 'sync-state.json to record efi1 as synced');
  t.pass('the daemon kept running and synced the returned destination');
});

t.test('source unmounted and remounted: degraded, then watched and synced again', async (t) => {
  const m = await twoDiskMachine(t);
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env);
  await waitFor(() => d.syncs('esp') >= 1 && d.events.at(-1)?.type === 'end', 30000, 'the first sync');
  await execa('umount', [m.efi[0]!]);
  await waitFor(
    () => d.events.some((e) => e.type === 'degraded' && e.item === 'esp'),
    5000 + MARGIN_MS,
    'the daemon to notice',
  );
  t.match(d.stderr.join('\n'), /esp: source unavailable.*not mounted at any ESP mount point/);
  await waitFor(() => state(m.runDir).items.esp?.watching === false, MARGIN_MS, 'state: not watching');
  t.equal(state(m.runDir).items.esp?.source, null);
  t.equal(readFileSync(join(m.efi[1]!, 'vmlinuz-linux')).length, 512 * 1024, 'efi1 was not emptied');
  await execa('mount', [m.disks[0]!.parts[0]!.device, m.efi[0]!]);
  await waitFor(
    () => d.events.filter((e) => e.type === 'armed' && e.item === 'esp').length >= 2,
    5000 + MARGIN_MS,
    'the watch to be re-armed',
  );
  t.match(d.stdout.join('\n'), /esp: source is back, watching/);
  writeFileSync(join(m.efi[0]!, 'after-remount'), 'x\n');
  await waitFor(
    () =>
      sameTree(m.efi[0]!, m.efi[1]!, SKIP) &&
      readFileSync(join(m.efi[1]!, 'after-remount'), 'utf8') === 'x\n',
    2000 + MARGIN_MS,
    'the change after the remount on efi1',
  );
  t.equal(await d.stop(), 0);
});

t.test('--test logs what it would sync and writes nothing', async (t) => {
  const m = await twoDiskMachine(t);
  populate(m.efi[0]!);
  const d = await startInProcess(t, m.env, ['--test']);
  await waitFor(() => d.syncs('esp') >= 1, 30000, 'the first dry run');
  writeFileSync(join(m.efi[0]!, 'new-file'), 'x\n');
  await waitFor(() => d.syncs('esp') >= 2, 2000 + MARGIN_MS, 'the second dry run');
  t.match(d.stdout.join('\n'), /esp: would sync/);
  t.equal(await d.stop(), 0);
  t.notOk(sameTree(m.efi[0]!, m.efi[1]!, SKIP), 'efi1 was not written');
  t.throws(() => state(m.runDir), 'no state file');
});
