import t from 'tap';
import {
  type Outcome,
  retryDelay,
  type SchedulerEvent,
  SyncScheduler,
} from '../../src/core/watch-scheduler.js';
import { FakeTimers } from '../helpers/fake-timers.js';

/** A runner whose syncs end when the test says so. */
function controlledRunner() {
  const runs: { items: string[]; finish: (o?: Outcome) => void }[] = [];
  const runner = (items: string[]) =>
    new Promise<Record<string, Outcome>>((resolve) => {
      runs.push({ items, finish: (o = 'ok') => resolve(Object.fromEntries(items.map((i) => [i, o]))) });
    });
  return { runs, runner };
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(delayMs = 2000, maxDelayMs = 30000) {
  const timers = new FakeTimers();
  const { runs, runner } = controlledRunner();
  const events: SchedulerEvent[] = [];
  const s = new SyncScheduler(runner, timers, { delayMs, maxDelayMs }, (e) => events.push(e));
  s.setItems(['esp', 'etc']);
  return { timers, runs, s, events };
}

t.test('a change syncs after the quiet period, restarted by each change', async (t) => {
  const { timers, runs, s } = setup();
  s.change('esp');
  timers.advance(1500);
  s.change('esp');
  timers.advance(1500);
  t.equal(runs.length, 0, 'quiet period restarted by the second change');
  t.equal(s.status('esp')?.phase, 'waiting');
  t.equal(s.status('esp')?.pending, true);
  timers.advance(500);
  t.same(
    runs.map((r) => r.items),
    [['esp']],
  );
  t.equal(s.status('esp')?.phase, 'running');
  runs[0]!.finish();
  await flush();
  t.match(s.status('esp'), { phase: 'idle', pending: false, lastOutcome: 'ok', syncs: 1 });
});

t.test('a stream of changes syncs no later than max_delay after the first', async (t) => {
  const { timers, runs, s } = setup(2000, 10000);
  for (let ms = 0; ms < 9500; ms += 500) {
    s.change('etc');
    timers.advance(500);
  }
  t.equal(runs.length, 0);
  s.change('etc');
  timers.advance(500);
  t.equal(runs.length, 1, 'sync started at the deadline although changes continue');
  t.equal(timers.time, 10000);
});

t.test('a burst of 1,000 changes is one sync', async (t) => {
  const { timers, runs, s } = setup();
  for (let i = 0; i < 1000; i++) {
    s.change('etc');
    timers.advance(1);
  }
  timers.advance(2000);
  t.equal(runs.length, 1);
  runs[0]!.finish();
  await flush();
  timers.advance(60000);
  t.equal(runs.length, 1);
});

t.test('changes during a sync cause exactly one more sync after it', async (t) => {
  const { timers, runs, s } = setup();
  s.request('esp');
  t.equal(runs.length, 1);
  for (let i = 0; i < 50; i++) {
    s.change('esp');
    timers.advance(100);
  }
  timers.advance(5000);
  t.equal(runs.length, 1, 'one sync per item at a time');
  t.equal(s.status('esp')?.phase, 'running');
  t.equal(s.status('esp')?.pending, true);
  runs[0]!.finish();
  await flush();
  t.equal(runs.length, 2, 'the changes made during the sync run right after it');
  runs[1]!.finish();
  await flush();
  timers.advance(60000);
  t.equal(runs.length, 2, 'exactly one more');
});

t.test('items due together share one sync; others wait for it', async (t) => {
  const { timers, runs, s, events } = setup();
  s.request('esp');
  s.change('etc');
  timers.advance(2000);
  t.equal(runs.length, 1);
  t.equal(s.status('etc')?.phase, 'due');
  runs[0]!.finish('degraded');
  await flush();
  t.same(runs[1]!.items, ['etc']);
  runs[1]!.finish('failed');
  await flush();
  t.equal(s.status('esp')?.lastOutcome, 'degraded');
  t.equal(s.status('etc')?.lastOutcome, 'failed');
  t.equal(s.status('etc')?.lastSuccess, undefined);
  t.same(
    events.map((e) => e.type),
    ['pending', 'start', 'pending', 'end', 'start', 'end', 'retry'],
    'the failed item waits for its retry',
  );
});

t.test('a runner that throws fails its items and the queue goes on', async (t) => {
  const timers = new FakeTimers();
  let calls = 0;
  const s = new SyncScheduler(
    async () => {
      calls++;
      throw new Error('boom');
    },
    timers,
    { delayMs: 10, maxDelayMs: 100 },
  );
  s.setItems(['esp']);
  s.request('esp');
  await s.idle();
  t.equal(s.status('esp')?.lastOutcome, 'failed');
  s.change('esp');
  timers.advance(10);
  await s.idle();
  t.equal(calls, 2);
});

t.test('drain runs what is pending now and resolves when nothing is left', async (t) => {
  const { timers, runs, s } = setup();
  s.request('esp');
  s.change('esp');
  s.change('etc');
  let drained = false;
  const d = s.drain().then(() => {
    drained = true;
  });
  t.equal(timers.count(), 0, 'no quiet periods while draining');
  runs[0]!.finish();
  await flush();
  t.same(runs[1]!.items.sort(), ['esp', 'etc']);
  t.equal(drained, false);
  s.change('etc');
  runs[1]!.finish();
  await flush();
  t.same(runs[2]!.items, ['etc'], 'a change that arrives while draining still runs');
  runs[2]!.finish();
  await d;
  t.equal(drained, true);
});

t.test('idle resolves at once when nothing is to do; setItems forgets removed items', async (t) => {
  const { timers, runs, s } = setup();
  await s.idle();
  s.change('etc');
  const idle = s.idle();
  s.setItems(['esp']);
  await idle;
  t.equal(s.status('etc'), undefined);
  t.same(s.names(), ['esp']);
  s.change('etc');
  s.request('etc');
  timers.advance(5000);
  t.equal(runs.length, 0, 'unknown items are ignored');
  s.setOptions({ delayMs: 100, maxDelayMs: 100 });
  s.change('esp');
  timers.advance(100);
  t.equal(runs.length, 1, 'new options apply to the next change');
});

t.test(
  'a failed sync is retried by itself after 10 s, then 20 s, 40 s ...; a success stops it',
  async (t) => {
    const { timers, runs, s, events } = setup();
    t.same([1, 2, 3, 5, 6, 10].map(retryDelay), [10_000, 20_000, 40_000, 160_000, 300_000, 300_000]);
    s.request('esp');
    runs[0]!.finish('failed');
    await flush();
    t.match(s.status('esp'), { failures: 1, retryAt: 10_000, phase: 'idle' });
    t.match(events.at(-1), { type: 'retry', item: 'esp', failures: 1, delayMs: 10_000 });
    timers.advance(9_999);
    t.equal(runs.length, 1, 'not before the wait');
    timers.advance(1);
    t.equal(runs.length, 2, 'retried after 10 s without any change');
    runs[1]!.finish('failed');
    await flush();
    t.match(s.status('esp'), { failures: 2, retryAt: 30_000 });
    // A change before the retry syncs at its own time and takes the retry's place.
    s.change('esp');
    timers.advance(2_000);
    t.equal(runs.length, 3);
    t.equal(s.status('esp')?.retryAt, undefined, 'the waiting retry was dropped');
    runs[2]!.finish('degraded');
    await flush();
    t.match(s.status('esp'), { failures: 0, retryAt: undefined }, 'degraded waits for the disk, not a timer');
    timers.advance(600_000);
    t.equal(runs.length, 3);
    s.request('etc');
    runs[3]!.finish('failed');
    await flush();
    await s.drain();
    t.equal(timers.count(), 0, 'stopping drops the waiting retry');
  },
);
