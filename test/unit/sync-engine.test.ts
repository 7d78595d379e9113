import t from 'tap';
import { runPlan, type SyncOps } from '../../src/core/sync-engine.js';
import type { Plan } from '../../src/core/sync-plan.js';

// The order of a run's system calls, recorded: rsync exit codes are what real rsync returns.
function recorder(exitCodes: Record<string, number>) {
  const calls: string[] = [];
  const ops: SyncOps = {
    rsync: async (args) => {
      const destination = args.at(-1)!.replace(/\/$/, '');
      calls.push(`rsync ${destination}`);
      const exitCode = exitCodes[destination] ?? 0;
      return {
        exitCode,
        stdout: '',
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
    t.same(calls, ['rsync /efi1', 'flush /efi1', 'rsync /efi2', 'cleanup /efi2']);
    t.same(
      report.results.map((r) => r.status),
      ['ok', 'failed'],
    );
    t.match(report.results[1]!.message, /the previous complete copy is still in place/);
    t.equal(report.exitCode, 1);
  },
);

t.test('a dry run neither flushes nor cleans', async (t) => {
  const { calls, ops } = recorder({ '/efi2': 11 });
  const report = await runPlan(plan, ops, { dryRun: true, rsyncOptions: [] });
  t.same(calls, ['rsync /efi1', 'rsync /efi2']);
  t.match(report.results[1]!.message, /nothing was changed/);
});

t.test('rsync exit 24 (source files vanished) is a complete copy: flushed, ok', async (t) => {
  const { calls, ops } = recorder({ '/efi1': 24, '/efi2': 24 });
  const report = await runPlan(plan, ops, { dryRun: false, rsyncOptions: [] });
  t.same(calls, ['rsync /efi1', 'flush /efi1', 'rsync /efi2', 'flush /efi2']);
  t.equal(report.exitCode, 0);
});
