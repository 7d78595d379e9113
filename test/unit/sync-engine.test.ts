import t from 'tap';
import { runPlan, type SyncOps } from '../../src/core/sync-engine.js';
import type { Plan } from '../../src/core/sync-plan.js';

// The order of a run's system calls, recorded: rsync exit codes are what real rsync returns.
// A preview (dry run) prints `previews[destination]` (default: one file to create) and exits 0; a real copy exits exitCodes[destination].
function recorder(exitCodes: Record<string, number>, previews: Record<string, string> = {}) {
  const calls: string[] = [];
  const ops: SyncOps = {
    rsync: async (args) => {
      const destination = args.at(-1)!.replace(/\/$/, '');
      const dry = args.includes('--dry-run');
      calls.push(`${dry ? 'preview' : 'rsync'} ${destination}`);
      const exitCode = dry ? 0 : (exitCodes[destination] ?? 0);
      return {
        exitCode,
        stdout: dry ? (previews[destination] ?? '>f+++++++++ 10 vmlinuz-linux') : '',
        stderr: exitCode === 0 ? '' : 'rsync: write failed: No space left on device (28)\n',
      };
    },
    flush: async (path) => {
      calls.push(`flush ${path}`);
    },
    cleanup: async (destination) => {
      calls.push(`cleanup ${destination}`);
    },
    now: () => 0,
  };
  return { calls, ops };
}

const plan: Plan = {
  jobs: [
    { item: 'esp', source: '/efi0', destination: '/efi1', fat: true, exclude: [] },
    { item: 'esp', source: '/efi0', destination: '/efi2', fat: true, exclude: [] },
  ],
  refusals: [],
  warnings: [],
  notes: [],
};

t.test(
  'a copy is flushed to disk before it counts as done; a failed one is cleaned, not flushed',
  async (t) => {
    const { calls, ops } = recorder({ '/efi2': 11 });
    const report = await runPlan(plan, ops, { dryRun: false, rsyncOptions: [] });
    t.same(calls, [
      'preview /efi1',
      'rsync /efi1',
      'flush /efi1',
      'preview /efi2',
      'rsync /efi2',
      'cleanup /efi2',
    ]);
    t.same(
      report.results.map((r) => r.status),
      ['ok', 'failed'],
    );
    t.match(report.results[1]!.message, /the previous complete copy is still in place/);
    t.equal(report.exitCode, 1);
  },
);

t.test('a dry run neither flushes nor cleans', async (t) => {
  const { calls, ops } = recorder({});
  const report = await runPlan(plan, ops, { dryRun: true, rsyncOptions: [] });
  t.same(calls, ['preview /efi1', 'preview /efi2'], 'the preview is the dry run');
  t.same(
    report.results.map((r) => r.status),
    ['ok', 'ok'],
  );
});

t.test('rsync exit 24 (source files vanished) is a complete copy: flushed, ok', async (t) => {
  const { calls, ops } = recorder({ '/efi1': 24, '/efi2': 24 });
  const report = await runPlan(plan, ops, { dryRun: false, rsyncOptions: [] });
  t.same(calls, [
    'preview /efi1',
    'rsync /efi1',
    'flush /efi1',
    'preview /efi2',
    'rsync /efi2',
    'flush /efi2',
  ]);
  t.equal(report.exitCode, 0);
});

t.test('rsync exit 23 (partial transfer) does not claim the previous copy is intact', async (t) => {
  const { ops } = recorder({ '/efi1': 23 });
  const report = await runPlan({ ...plan, jobs: plan.jobs.slice(0, 1) }, ops, {
    dryRun: false,
    rsyncOptions: [],
  });
  t.match(
    report.results[0]!.message,
    /rsync exit 23 .*may now hold some new files next to old ones \(a partial copy\)/,
  );
  t.notMatch(report.results[0]!.message, /still in place/);
});

const PREVIEW = (kept: number, deleted: number, created = 0) =>
  [
    '.d          4096 ./',
    ...Array.from({ length: kept }, (_, i) => `.f          10 kept${i}`),
    ...Array.from({ length: created }, (_, i) => `>f+++++++++ 100 new${i}`),
    ...Array.from({ length: deleted }, (_, i) => `*deleting   0 old${i}`),
  ].join('\n');

t.test('the mass-delete guard: most of a destination deleted is refused unless allowed', async (t) => {
  const one = { ...plan, jobs: plan.jobs.slice(0, 1) };
  const gone = recorder({}, { '/efi1': PREVIEW(0, 40) });
  const refused = await runPlan(one, gone.ops, { dryRun: false, rsyncOptions: [] });
  t.same(gone.calls, ['preview /efi1'], 'nothing but the preview ran');
  t.equal(refused.results[0]!.status, 'refused');
  t.match(
    refused.results[0]!.message,
    /would delete all of \/efi1 \(40 of its 40 entries, leaving 0\).*fix: .*--allow-mass-delete/,
  );
  t.match(refused.results[0]!.preview, { existing: 40, delete: { count: 40 }, after: 0 });
  t.equal(refused.exitCode, 1);

  const most = recorder({}, { '/efi1': PREVIEW(3, 7) });
  t.match(
    (await runPlan(one, most.ops, { dryRun: true, rsyncOptions: [] })).results[0]!.message,
    /would delete 70% of \/efi1/,
  );

  const allowed = recorder({}, { '/efi1': PREVIEW(0, 40) });
  const forced = await runPlan(one, allowed.ops, { dryRun: false, rsyncOptions: [], allowMassDelete: true });
  t.same(allowed.calls, ['preview /efi1', 'rsync /efi1', 'flush /efi1']);
  t.equal(forced.exitCode, 0);

  // Ordinary changes pass: half deleted, or everything replaced by a new set.
  for (const stdout of [PREVIEW(5, 5), PREVIEW(0, 6, 8), PREVIEW(10, 1)]) {
    const fine = recorder({}, { '/efi1': stdout });
    t.equal((await runPlan(one, fine.ops, { dryRun: false, rsyncOptions: [] })).exitCode, 0);
  }
  const counted = await runPlan(one, recorder({}, { '/efi1': PREVIEW(2, 1, 3) }).ops, {
    dryRun: true,
    rsyncOptions: [],
  });
  t.match(counted.results[0]!.preview, {
    existing: 3,
    create: { count: 3, bytes: 300 },
    update: { count: 0 },
    delete: { count: 1 },
    after: 5,
  });
});

t.test('a preview with nothing to change is the whole copy: no second rsync pass', async (t) => {
  const { calls, ops } = recorder({}, { '/efi1': '.d          4096 ./\n.f          10 vmlinuz-linux' });
  const report = await runPlan({ ...plan, jobs: plan.jobs.slice(0, 1) }, ops, {
    dryRun: false,
    rsyncOptions: [],
  });
  t.same(calls, ['preview /efi1']);
  t.equal(report.exitCode, 0);
  t.match(report.results[0]!.changes, { files: 0, kept: 1 });
});

t.test('a read-only destination (FAT after write errors) says so, with the remount fix', async (t) => {
  const { ops } = recorder({});
  // What the staged update's first write meets on a FAT the kernel remounted read-only (lab scenario 8).
  const erofs = Object.assign(new Error("EROFS: read-only file system, rmdir '/efi1/.dualroot-staging'"), {
    code: 'EROFS',
  });
  ops.clearStaging = async () => {
    throw erofs;
  };
  const report = await runPlan({ ...plan, jobs: plan.jobs.slice(0, 1) }, ops, {
    dryRun: false,
    rsyncOptions: [],
  });
  t.equal(report.results[0]!.status, 'failed');
  t.match(
    report.results[0]!.message,
    /EROFS.*: \/efi1 is mounted read-only \(the kernel does that to a FAT after write errors\); fix: check the disk .*umount \/efi1, fsck\.fat -a its partition .*mount \/efi1 again/,
  );
  const { ops: plain } = recorder({ '/efi1': 11 });
  const other = await runPlan({ ...plan, jobs: plan.jobs.slice(0, 1) }, plain, {
    dryRun: false,
    rsyncOptions: [],
  });
  t.notMatch(other.results[0]!.message, 'read-only', 'another failure keeps its own words');
});

t.test("an empty ESP destination's preview compares no contents; any other compares them", async (t) => {
  const previews: Record<string, string[]> = {};
  const { ops } = recorder({});
  const rsync = ops.rsync;
  const empty = new Set(['/efi1']);
  const recorded: SyncOps = {
    ...ops,
    rsync: async (args) => {
      if (args.includes('--dry-run')) previews[args.at(-1)!] = args;
      return rsync(args);
    },
    empty: async (destination) => empty.has(destination),
  };
  await runPlan(plan, recorded, { dryRun: true, rsyncOptions: [] });
  t.notOk(previews['/efi1/']?.includes('--checksum'), 'nothing on /efi1 to compare with');
  t.ok(previews['/efi2/']?.includes('--checksum'), '/efi2 holds files: contents decide');
  const items: Plan = { ...plan, jobs: [{ ...plan.jobs[0]!, item: 'etc', fat: false }] };
  let asked = false;
  await runPlan(
    items,
    {
      ...recorded,
      empty: async () => {
        asked = true;
        return true;
      },
    },
    { dryRun: true, rsyncOptions: [] },
  );
  t.notOk(asked, 'not asked for an item (not FAT: its copy compares by its own rules)');
});
