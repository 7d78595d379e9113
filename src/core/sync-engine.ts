import { withFix } from './errors.js';
import { type FreeSpace, spaceRefusal, stagedBytes } from './esp-space.js';
import {
  type EspUpdate,
  leftoverNote,
  planEspUpdate,
  type StagedOutcome,
  stagedFailure,
} from './esp-update.js';
import { parseRsyncOutput, type RsyncChanges, rsyncArgs, rsyncProblem } from './rsync.js';
import type { SourceFs } from './source-identity.js';
import type { Job, Plan, Refusal } from './sync-plan.js';
import { ALLOW_MASS_DELETE, massDeletion, type Preview, previewOf } from './sync-preview.js';

/** What a run may do to the system; src/app passes the real ones, tests may observe them. */
export interface SyncOps {
  rsync(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Flushes the filesystem holding a path (syncfs). */
  flush(path: string): Promise<void>;
  /** Removes leftovers of an interrupted delayed update (.~tmp~ directories) from a destination. */
  cleanup(destination: string): Promise<void>;
  now(): number;
  /** After a copy (or its dry run): writes the job's per-disk files rewritten for the other disk. */
  afterCopy?(job: Job, dryRun: boolean): Promise<{ lines: string[]; problems: string[] }>;
  /** A destination's free space (statfs); without it no space check is made. */
  space?(destination: string): Promise<FreeSpace>;
  /** A staged (power-safe) update of an ESP destination; without it ESPs are copied by rsync in place. */
  staged?(job: Job, update: EspUpdate): Promise<StagedOutcome>;
  /** Removes an interrupted staged update's directory from a destination; true when there was one. */
  clearStaging?(destination: string): Promise<boolean>;
  /** True when a destination holds nothing (a new disk's ESP; an ext4 lost+found aside); without it, never. */
  empty?(destination: string): Promise<boolean>;
}

/** The result of one destination's copy. */
export interface JobResult {
  item: string;
  source: string;
  destination: string;
  status: 'ok' | 'failed' | 'refused' | 'missing';
  message: string;
  changes: RsyncChanges | undefined;
  /** An item's source filesystem (from its job), recorded when the copy succeeds. */
  sourceFs?: SourceFs | undefined;
  /** What the copy was to do, from its dry-run preview (undefined when it did not get that far). */
  preview?: Preview | undefined;
  /** Each per-disk file rewrite (file line N: old → new). */
  rewrites?: string[];
  /** Something the run did besides the copy (a leftover staging directory removed). */
  note?: string | undefined;
  seconds: number;
}

/** How a run copies: dry or real, the [rsync] options, and whether it may delete most of a destination. */
export interface RunOptions {
  dryRun: boolean;
  rsyncOptions: string[];
  allowMassDelete?: boolean;
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
export async function runPlan(plan: Plan, ops: SyncOps, options: RunOptions): Promise<SyncReport> {
  const results: JobResult[] = plan.refusals.map(refused);
  for (const job of plan.jobs) results.push(withReadOnlyFix(await runJob(job, ops, options)));
  return {
    dryRun: options.dryRun,
    results,
    warnings: plan.warnings,
    notes: [...plan.notes, ...results.flatMap((r) => (r.note ? [r.note] : []))],
    exitCode: OUTCOME_EXIT_CODE[syncOutcome(results, plan.warnings)],
  };
}

/** The failure message of an rsync exit: what is true of the destination after it. */
function failureMessage(stderr: string, exitCode: number, wrote: boolean): string {
  const state = !wrote
    ? 'nothing was changed'
    : exitCode === 23
      ? // Partial transfer: what did transfer was renamed into place at the end, next to old files.
        'the destination may now hold some new files next to old ones (a partial copy); fix the cause and run dualroot-sync again'
      : // Any other exit stops rsync before --delay-updates renames anything or --delete-delay deletes.
        'the previous complete copy is still in place';
  return `${rsyncProblem(stderr, exitCode)}; ${state}`;
}

/** rsync's exit 24 (source files vanished mid-copy): the copy is complete for what still exists. */
const succeeded = (exitCode: number) => exitCode === 0 || exitCode === 24;

/** A copied job with its per-disk files rewritten; one that names a partition with no counterpart is degraded. */
async function rewritten(job: Job, ops: SyncOps, options: RunOptions, result: JobResult): Promise<JobResult> {
  if (!ops.afterCopy) return result;
  const { lines, problems } = await ops.afterCopy(job, options.dryRun);
  const withLines: JobResult = lines.length > 0 ? { ...result, rewrites: lines } : result;
  return problems.length > 0 ? { ...withLines, status: 'missing', message: problems.join('; ') } : withLines;
}

/** A failure on a read-only destination says why it is (FAT after write errors) and how to get it back. */
function withReadOnlyFix(result: JobResult): JobResult {
  if (result.status !== 'failed' || !/EROFS|Read-only file system/.test(result.message)) return result;
  const dest = result.destination;
  return {
    ...result,
    message: withFix(
      `${result.message}: ${dest} is mounted read-only (the kernel does that to a FAT after write errors)`,
      `check the disk (dmesg, smartctl -a), then umount ${dest}, fsck.fat -a its partition (dualroot-esp names it), mount ${dest} again; the next sync completes`,
    ),
  };
}

/**
 * One destination: a dry-run preview first (itemized twice), judged by the mass-delete guard;
 * a dry run stops there (the preview is its result), a real run then copies.
 */
async function runJob(job: Job, ops: SyncOps, options: RunOptions): Promise<JobResult> {
  const started = ops.now();
  const base: Pick<JobResult, 'item' | 'source' | 'destination' | 'sourceFs' | 'note'> = {
    item: job.item,
    source: job.source,
    destination: job.destination,
    sourceFs: job.sourceFs,
  };
  const seconds = () => (ops.now() - started) / 1000;
  const extra = options.rsyncOptions;
  try {
    // Before the preview, so the space check does not count the leftover's files as used.
    if (!options.dryRun && job.fat && ops.clearStaging && (await ops.clearStaging(job.destination)))
      base.note = leftoverNote(job.destination);
    // A first copy to a new disk's ESP has no contents to compare: the preview skips --checksum.
    const emptyDestination = job.fat && ops.empty !== undefined && (await ops.empty(job.destination));
    const dry = await ops.rsync(rsyncArgs(job, { dryRun: true, extra, preview: true, emptyDestination }));
    const planned = parseRsyncOutput(dry.stdout);
    if (!succeeded(dry.exitCode))
      return {
        ...base,
        status: 'failed',
        message: failureMessage(dry.stderr, dry.exitCode, false),
        changes: planned,
        seconds: seconds(),
      };
    const preview = previewOf(planned);
    const mass = massDeletion(job.destination, preview);
    if (mass && !options.allowMassDelete)
      return {
        ...base,
        status: 'refused',
        message: withFix(
          mass,
          `mount the source's filesystem; if the deletions are intended, run dualroot-sync ${ALLOW_MASS_DELETE}`,
        ),
        changes: planned,
        preview,
        seconds: seconds(),
      };
    // Nothing to change: the preview was the copy (it saves a second pass over an unchanged ESP).
    const idle =
      preview.create.count + preview.update.count + preview.delete.count + planned.retimed.length === 0;
    if (options.dryRun || idle)
      return rewritten(job, ops, options, {
        ...base,
        status: 'ok',
        message: '',
        changes: planned,
        preview,
        seconds: seconds(),
      });
    // A finished copy (staged or in place): ok, then its per-disk files rewritten.
    const copied = (changes: RsyncChanges | undefined) =>
      rewritten(job, ops, options, { ...base, status: 'ok', message: '', changes, preview, seconds: 0 });
    const full = await spaceProblem(job, ops, preview);
    if (full)
      return { ...base, status: 'failed', message: full, changes: planned, preview, seconds: seconds() };
    if (job.fat && ops.staged) {
      const outcome = await ops.staged(job, planEspUpdate(planned));
      if (outcome.step !== 'done')
        return {
          ...base,
          status: 'failed',
          message: stagedFailure(outcome),
          changes: planned,
          preview,
          seconds: seconds(),
        };
      const done = await copied({ ...planned, files: outcome.files, bytes: outcome.bytes });
      return { ...done, seconds: seconds() };
    }
    const result = await ops.rsync(rsyncArgs(job, { dryRun: false, extra }));
    const changes = parseRsyncOutput(result.stdout);
    if (!succeeded(result.exitCode)) {
      await ops.cleanup(job.destination).catch(() => undefined);
      return {
        ...base,
        status: 'failed',
        message: failureMessage(result.stderr, result.exitCode, true),
        changes,
        preview,
        seconds: seconds(),
      };
    }
    const done = await copied(changes);
    await ops.flush(job.destination);
    return { ...done, seconds: seconds() };
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

/**
 * Before an ESP is written: the staged copy of what the preview would change (new files beside
 * the old until the renames) must fit in the free space, or nothing is written.
 */
async function spaceProblem(job: Job, ops: SyncOps, preview: Preview): Promise<string | undefined> {
  if (!job.fat || !ops.space) return undefined;
  const space = await ops.space(job.destination);
  const files = preview.create.count + preview.update.count;
  const needed = stagedBytes(preview.create.bytes + preview.update.bytes, files, space.blockSize);
  return spaceRefusal(needed, space.free, job.destination);
}
