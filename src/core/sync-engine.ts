import { parseRsyncOutput, type RsyncChanges, rsyncArgs, rsyncProblem } from './rsync.js';
import type { Job, Plan, Refusal } from './sync-plan.js';

/** What a run may do to the system; src/app passes the real ones, tests may observe them. */
export interface SyncOps {
  rsync(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Flushes the filesystem holding a path (syncfs). */
  flush(path: string): Promise<void>;
  /** Removes leftovers of an interrupted delayed update (.~tmp~ directories) from a destination. */
  cleanup(destination: string): Promise<void>;
  now(): number;
}

/** The result of one destination's copy. */
export interface JobResult {
  item: string;
  source: string;
  destination: string;
  status: 'ok' | 'failed' | 'refused' | 'missing';
  message: string;
  changes: RsyncChanges | undefined;
  seconds: number;
}

/** How a sync came out: ok, done but a destination or ESP missing (degraded), or failed. */
export type Outcome = 'ok' | 'degraded' | 'failed';

/** Exit code of each outcome: 0 ok, 3 degraded (redundancy lost), 1 failed. */
export const OUTCOME_EXIT_CODE = { ok: 0, degraded: 3, failed: 1 } as const;

/**
 * The one outcome rule, for a run (dualroot-sync) and for one item (the daemon): failed when a
 * destination failed or was refused as unsafe; degraded when one is missing or a machine-level
 * warning (an unmounted ESP) stands; else ok.
 */
export function syncOutcome(results: Pick<JobResult, 'status'>[], warnings: string[]): Outcome {
  if (results.some((r) => r.status === 'failed' || r.status === 'refused')) return 'failed';
  if (results.some((r) => r.status === 'missing') || warnings.length > 0) return 'degraded';
  return 'ok';
}

/** The result of a whole run; its exit code follows syncOutcome. */
export interface SyncReport {
  dryRun: boolean;
  results: JobResult[];
  warnings: string[];
  notes: string[];
  exitCode: 0 | 1 | 3;
}

const refused = (r: Refusal): JobResult => ({
  item: r.item,
  source: r.source,
  destination: r.destination,
  status: r.degraded ? 'missing' : 'refused',
  message: r.reason,
  changes: undefined,
  seconds: 0,
});

/** Runs every job of a plan, one after another; one failure never stops the others. */
export async function runPlan(
  plan: Plan,
  ops: SyncOps,
  options: { dryRun: boolean; rsyncOptions: string[] },
): Promise<SyncReport> {
  const results: JobResult[] = plan.refusals.map(refused);
  for (const job of plan.jobs) results.push(await runJob(job, ops, options));
  return {
    dryRun: options.dryRun,
    results,
    warnings: plan.warnings,
    notes: plan.notes,
    exitCode: OUTCOME_EXIT_CODE[syncOutcome(results, plan.warnings)],
  };
}

async function runJob(
  job: Job,
  ops: SyncOps,
  options: { dryRun: boolean; rsyncOptions: string[] },
): Promise<JobResult> {
  const started = ops.now();
  const base = { item: job.item, source: job.source, destination: job.destination };
  const seconds = () => (ops.now() - started) / 1000;
  try {
    const result = await ops.rsync(rsyncArgs(job, { dryRun: options.dryRun, extra: options.rsyncOptions }));
    const changes = parseRsyncOutput(result.stdout);
    // 24 = source files vanished mid-copy: the copy is complete for what still exists.
    if (result.exitCode !== 0 && result.exitCode !== 24) {
      if (!options.dryRun) await ops.cleanup(job.destination).catch(() => undefined);
      return {
        ...base,
        status: 'failed',
        message: `${rsyncProblem(result.stderr, result.exitCode)}; ${options.dryRun ? 'nothing was changed' : 'the previous complete copy is still in place'}`,
        changes,
        seconds: seconds(),
      };
    }
    if (!options.dryRun) await ops.flush(job.destination);
    return { ...base, status: 'ok', message: '', changes, seconds: seconds() };
  } catch (error) {
    return {
      ...base,
      status: 'failed',
      message: (error as Error).message,
      changes: undefined,
      seconds: seconds(),
    };
  }
}
