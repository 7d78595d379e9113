import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { withLock } from '../../src/sys/lock.js';
import { bundle } from '../helpers/bundle.js';
import { scratch, twoDiskMachine } from '../helpers/sim.js';
import { bytes, snapshot, writeTree } from '../helpers/tree.js';

/**
 * An rsync on PATH that logs when each dry run (the preview every sync starts with, under the lock)
 * starts and ends, pausing in between, then runs the real rsync (an observer, not a fake). Other
 * runs go straight through: dualroot-sync copies an ESP's changed files into staging itself.
 */
function loggingRsync(dir: string, log: string, delaySeconds: number): string {
  const bin = join(dir, 'bin');
  const real = '/usr/bin/rsync';
  writeTree(bin, {
    rsync: `#!/bin/sh\ncase " $* " in *" --dry-run "*) ;; *) exec ${real} "$@";; esac\necho "start $$ $(date +%s.%N)" >> ${log}\nsleep ${delaySeconds}\n${real} "$@"\nrc=$?\necho "end $$ $(date +%s.%N)" >> ${log}\nexit $rc\n`,
  });
  chmodSync(join(bin, 'rsync'), 0o755);
  return bin;
}

/** SIGKILLs a process and all its descendants, found through their parent ids. */
async function killTree(pid: number): Promise<void> {
  const table = (await execa('ps', ['-eo', 'pid=,ppid='])).stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const victims = [pid];
  for (let i = 0; i < victims.length; i++)
    for (const [child, parent] of table) if (parent === victims[i]) victims.push(child);
  for (const victim of victims) {
    try {
      process.kill(victim, 'SIGKILL');
    } catch (error) {
      // Gone since ps listed it (a short-lived child): nothing left to kill.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

t.test('two syncs started at once serialise: their writes never overlap', async (t) => {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(3_000_000, 1), 'initramfs-linux.img': bytes(3_000_000, 2) });
  const log = join(m.root, 'rsync.log');
  const bin = loggingRsync(m.root, log, 1);
  const env = { ...m.env, PATH: `${bin}:${process.env.PATH}` };
  const [a, b] = await Promise.all([
    execa('node', [bundle('dualroot-sync')], { env, reject: false }),
    execa('node', [bundle('dualroot-sync')], { env, reject: false }),
  ]);
  t.equal(a.exitCode, 0, a.stderr);
  t.equal(b.exitCode, 0, b.stderr);
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  // The lock is held for a whole run, preview and copy: the second run's preview starts only after
  // the first run ended, finds its finished copy and copies nothing. Had it not waited, both
  // previews would have run at once, each seen the differences, and two copies run side by side.
  t.same(
    events.map((e) => e[0]),
    ['start', 'end', 'start', 'end'],
    'one preview after the other',
  );
  t.equal(events[0]![1], events[1]![1], 'the first preview ended before another began');
  t.ok(Number(events[2]![2]) >= Number(events[1]![2]));
  t.same(
    [a.stdout, b.stdout].map((out) => /: 0 files, 0 B/.test(out)).sort(),
    [false, true],
    'one run copied the files, the other found nothing left to copy',
  );
  t.same(snapshot(m.efi[1]!), snapshot(m.efi[0]!));
});

t.test('a killed holder never blocks the next run; a busy lock past the timeout is reported', async (t) => {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(1_000_000, 1) });
  const log = join(m.root, 'rsync.log');
  const bin = loggingRsync(m.root, log, 3);
  writeFileSync(m.config, '[rsync]\nlock_timeout = 1\n');
  const slow = execa('node', [bundle('dualroot-sync')], {
    env: { ...m.env, PATH: `${bin}:${process.env.PATH}` },
    reject: false,
  });
  while (!readFileSync(log, { encoding: 'utf8', flag: 'a+' }).includes('start'))
    await new Promise((r) => setTimeout(r, 50));
  const busy = await execa('node', [bundle('dualroot-sync')], { env: m.env, reject: false });
  t.equal(busy.exitCode, 1);
  t.match(
    busy.stderr,
    /another dualroot run kept .*sync.lock locked for more than 1 s \(\[rsync\] lock_timeout\); nothing was written/,
  );
  // Kill the whole first run mid-run (in its preview): the kernel drops its lock with the last process holding it.
  // The whole run (node, flock, the rsync wrapper and its children) at once, as systemd kills a cgroup.
  await killTree(slow.pid!);
  await slow;
  const next = await execa('node', [bundle('dualroot-sync')], { env: m.env, reject: false });
  t.equal(next.exitCode, 0, next.stderr);
  t.same(snapshot(m.efi[1]!), snapshot(m.efi[0]!));
});

t.test(
  'withLock: held while its function runs, waits for a holder, fails clearly past the timeout',
  async (t) => {
    const dir = scratch(t);
    const lock = { file: join(dir, 'run/sync.lock'), timeoutSeconds: 1 };
    const probe = async () =>
      (await execa('flock', ['--nonblock', lock.file, 'true'], { reject: false })).exitCode;
    const inside = await withLock(lock, probe);
    t.equal(inside, 1, 'another flock cannot take the lock while the function runs');
    t.equal(await probe(), 0, 'released when the function returns');
    await t.rejects(
      withLock(lock, () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    t.equal(await probe(), 0, 'released when the function throws');

    // A holder for 3 s: with a 1 s timeout withLock gives up without running the function.
    const holder = execa('flock', [lock.file, 'sleep', '3']);
    await new Promise((r) => setTimeout(r, 300));
    let ran = false;
    await t.rejects(
      withLock(lock, () => {
        ran = true;
      }),
      { message: `another dualroot run kept ${lock.file} locked for more than 1 s ([rsync] lock_timeout)` },
    );
    t.notOk(ran, 'the function did not run');
    // With a longer timeout it waits for the holder, then runs.
    const started = Date.now();
    await withLock({ ...lock, timeoutSeconds: 10 }, () => {
      ran = true;
    });
    t.ok(ran, 'ran once the holder let go');
    t.ok(Date.now() - started > 1000, 'after waiting for the holder');
    await holder;
  },
);
