import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { checkOverlaps } from '../core/config-overlaps.js';
import { DualrootError } from '../core/errors.js';
import type { Booted } from '../core/esp.js';
import type { SourceFs } from '../core/source-identity.js';
import { runPlan, type SyncReport } from '../core/sync-engine.js';
import { type Plan, planSync } from '../core/sync-plan.js';
import { mergeSyncState } from '../core/sync-state.js';
import { syncfs } from '../sys/flush.js';
import { freeSpace } from '../sys/free-space.js';
import { type HeldLock, holdLock } from '../sys/lock.js';
import { canonical, dirEntries, pathExists } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { type Priority, runRsync } from '../sys/rsync.js';
import { removeDelayedUpdateLeftovers } from '../sys/rsync-leftovers.js';
import { syncLock, syncStateFile } from '../sys/run-dir.js';
import { applyStagedUpdate, clearStaging } from '../sys/staged-update.js';
import { bootedOrError, espMountsOf, type Machine, readMachine } from './machine.js';
import { applyRewrites, prepareRewrites } from './sync-rewrite.js';

/** Options of one sync run. */
export interface SyncOnceOptions {
  config: Config;
  paths: SystemPaths;
  dryRun: boolean;
  /** Nice level and I/O class for rsync (the daemon's); undefined = inherit. */
  priority?: Priority;
  /** Only these items ("esp" or [sync:NAME] names); undefined = all. */
  only?: string[];
  /** Let a copy delete most of its destination (dualroot-sync --allow-mass-delete; never the daemon). */
  allowMassDelete?: boolean;
  /** Accept item sources now on another filesystem than at their last successful sync. */
  allowSourceChange?: boolean;
}

/** Makes the plan of a run from a machine already read (so one run reads the machine once). */
export function makePlan(
  config: Config,
  paths: SystemPaths,
  machine: Machine,
  options: { allowSourceChange?: boolean } = {},
): { plan: Plan; booted: Booted | undefined } {
  const booted = config.esp.sync ? bootedOrError(machine) : undefined;
  const canonicalConfig: Config = {
    ...config,
    items: config.items.map((i) => ({
      ...i,
      source: canonical(i.source),
      destinations: i.destinations.map(canonical),
    })),
  };
  // The load checked the configured text; symlinks can still make two paths one directory.
  checkOverlaps(canonicalConfig);
  const plan = planSync({
    config: canonicalConfig,
    bindTarget: canonical(config.bind.target),
    espMounts: espMountsOf(config, paths).map(canonical),
    esps: machine.esps,
    booted,
    mounts: machine.mounts,
    exists: pathExists,
    fstab: { file: paths.fstab, entries: machine.fstab ?? [] },
    lastSources: lastSources(paths, canonicalConfig),
    allowSourceChange: options.allowSourceChange ?? false,
  });
  return { plan, booted: booted instanceof DualrootError ? undefined : booted };
}

/** Each item's source filesystem at its last successful sync, while its source is still the same path. */
function lastSources(paths: SystemPaths, config: Config): Record<string, SourceFs | undefined> {
  const state = syncStateFile.read(paths);
  return Object.fromEntries(
    config.items.map((i) => {
      const recorded = state?.items[i.name];
      return [i.name, recorded?.source === i.source ? recorded.sourceFs : undefined];
    }),
  );
}

/**
 * One complete sync run: take the lock, read the machine, plan, copy, flush, record. The engine
 * behind dualroot-sync and the daemon. The lock is taken once and held for the whole run (every
 * rsync inherits it, so a killed run keeps it until its rsync has stopped): nothing of another
 * run can come between a copy and its record, and a pacman hook pays for one flock(1), not three.
 */
export async function syncOnce(
  options: SyncOnceOptions,
): Promise<SyncReport & { booted: Booted | undefined }> {
  const { config, paths, dryRun } = options;
  // A dry run writes nothing, so it need not wait for a running sync.
  const lock: HeldLock | Error | undefined = dryRun
    ? undefined
    : await holdLock(syncLock(paths, config.rsync.lockTimeout)).catch((error: Error) => error);
  try {
    return await syncHolding(options, lock);
  } finally {
    if (lock && !(lock instanceof Error)) lock.release();
  }
}

/** The run itself; a lock that could not be taken fails every copy with its reason (nothing is written). */
async function syncHolding(
  options: SyncOnceOptions,
  lock: HeldLock | Error | undefined,
): Promise<SyncReport & { booted: Booted | undefined }> {
  const { config, paths, dryRun } = options;
  const machine = await readMachine(paths);
  const made = makePlan(config, paths, machine, { allowSourceChange: options.allowSourceChange ?? false });
  const { booted } = made;
  const { plan, rewrites } = prepareRewrites(made.plan, machine, config);
  const keep = (item: string) => options.only === undefined || options.only.includes(item);
  const filtered: Plan = {
    jobs: plan.jobs.filter((j) => keep(j.item)),
    refusals: plan.refusals.filter((r) => keep(r.item)),
    warnings: keep('esp') ? plan.warnings : [],
    notes: keep('esp') ? plan.notes : [],
  };
  const held = lock instanceof Error ? undefined : lock;
  const copy = async (args: string[]) => {
    if (lock instanceof Error) throw new Error(`${lock.message}; nothing was written`);
    return runRsync(args, { priority: options.priority, lock: held });
  };
  const report = await runPlan(
    filtered,
    {
      rsync: copy,
      flush: syncfs,
      // Under the lock: a concurrent run's staging directory is its work in progress, not a leftover.
      cleanup: async (destination) => {
        if (held) await removeDelayedUpdateLeftovers(destination);
      },
      now: () => Date.now(),
      afterCopy: (job, dry) => applyRewrites(rewrites, job, dry),
      space: freeSpace,
      // ESPs: staged and renamed in boot order (core/esp-update.ts), so a power cut keeps a bootable set.
      staged: (job, update) =>
        applyStagedUpdate(job, update, {
          rsync: copy,
          flush: syncfs,
          listFile: join(paths.runDir, `staging-${process.pid}.list`),
          // The daemon's copies run under its [watch] nice and io_class, which apply to rsync children.
          stageByRsync: options.priority !== undefined,
        }),
      // Under the lock only, like cleanup: a concurrent run's staging directory is its work in progress.
      clearStaging: async (destination) => (held ? clearStaging(destination) : false),
      empty: async (destination) => {
        const names = dirEntries(destination);
        return Array.isArray(names) && names.every((n) => n === 'lost+found');
      },
    },
    { dryRun, rsyncOptions: config.rsync.options, allowMassDelete: options.allowMassDelete ?? false },
  );
  if (held) {
    // Read, merge and write under the lock, so a hook and the daemon finishing together keep both results.
    try {
      syncStateFile.write(paths, mergeSyncState(syncStateFile.read(paths), report, new Date()));
    } catch (error) {
      report.warnings.push(
        `the result was not recorded in ${syncStateFile.path(paths)}: ${(error as Error).message}`,
      );
    }
  }
  return { ...report, booted };
}
