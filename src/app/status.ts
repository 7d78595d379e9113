import { dirname } from 'node:path';
import { decideBind } from '../core/bind.js';
import { setsNothing } from '../core/config.js';
import { FailureError } from '../core/errors.js';
import { mountAt } from '../core/mountinfo.js';
import { type Check, formatPrometheus, StatusReport, statusExitCode, statusMetrics } from '../core/status.js';
import {
  checkBind,
  checkBooted,
  checkEntries,
  checkEsps,
  checkFstab,
  checkWatch,
} from '../core/status-checks.js';
import { checkLegacy, LEGACY_UNITS } from '../core/status-legacy.js';
import { checkPerDisk } from '../core/status-per-disk.js';
import {
  checkJob,
  checkRefusals,
  checkRoot,
  checkUpgradeRoom,
  type RootRaid,
  rootRaidKind,
} from '../core/status-redundancy.js';
import { compareTrees, excludeMatcher } from '../core/tree-compare.js';
import { loadConfig } from '../sys/config-file.js';
import { readIfPresent } from '../sys/config-install.js';
import { freeSpace } from '../sys/free-space.js';
import { pathExists } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { btrfsState, mdState } from '../sys/raid.js';
import { syncStateFile, watchStateFile } from '../sys/run-dir.js';
import { writeFileAtomic } from '../sys/state.js';
import { unitLinksNamed } from '../sys/systemd-links.js';
import { listTree } from '../sys/tree.js';
import { readEntriesIfUefi } from './entries.js';
import { bootedOrError, espMountsOf, type Machine, readMachine } from './machine.js';
import { prepareRewrites } from './sync-rewrite.js';
import { makePlan } from './sync-run.js';

/** What dualroot-status was asked for. */
export interface StatusOptions {
  /** Compare file contents (sha256), not only names, sizes and times. */
  verify: boolean;
  /** Also write node_exporter textfile metrics here (atomically). */
  prometheus: string | undefined;
}

/** The checks of one run, in order, and its exit code. */
export interface StatusResult {
  checks: Check[];
  exitCode: 0 | 3;
  /** Why --prometheus could not be written (the run then fails, exit 1, after printing its checks). */
  metricsError: FailureError | undefined;
}

/** Runs one check's gathering and judging; if it throws, it is a problem of that check and the others still run. */
async function attempt(report: StatusReport, check: string, fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    report.couldNotCheck(check, error);
  }
}

/** dualroot-status's run: reads the machine once, judges every check, writes the metrics file. */
export async function statusRun(paths: SystemPaths, options: StatusOptions): Promise<StatusResult> {
  const config = loadConfig(paths);
  const machine = await readMachine(paths);
  const report = new StatusReport();
  const espMounts = espMountsOf(config, paths);
  checkEsps(report, machine.esps, machine.mounts, espMounts, machine.fstab);
  const booted = checkBooted(report, bootedOrError(machine));
  if (booted?.esp) {
    const target = config.bind.target;
    checkBind(report, target, booted.esp, decideBind(booted.esp, espMounts, target, machine.mounts));
  }
  await attempt(report, 'sync', () => checkCopies(report, config, paths, machine, options.verify));
  await attempt(report, 'watch', () => checkWatch(report, watchStateFile.read(paths)));
  await attempt(report, 'entries', () =>
    checkEntries(report, paths.efivars, readEntriesIfUefi(paths, machine)),
  );
  await attempt(report, 'fstab', () => checkFstab(report, paths.fstab, machine.fstab, espMounts));
  await attempt(report, 'legacy', () => {
    const current = readIfPresent(paths.config);
    checkLegacy(report, {
      oldConfig: pathExists(paths.legacyConfig) ? paths.legacyConfig : undefined,
      config: paths.config,
      configSetsNothing: current === undefined || setsNothing(current),
      unitLinks: unitLinksNamed(paths.systemdDir, Object.keys(LEGACY_UNITS)),
      systemdDir: paths.systemdDir,
      fstab: { file: paths.fstab, entries: machine.fstab },
    });
  });
  await attempt(report, 'root', async () => {
    const root = mountAt(machine.mounts, paths.root);
    checkRoot(report, paths.root, root, root && (await rootRaid(paths, root.source, rootRaidKind(root))));
  });
  const metrics = [...statusMetrics(report.checks, new Date()), ...report.metrics];
  const metricsError = options.prometheus
    ? writeMetrics(options.prometheus, formatPrometheus(metrics))
    : undefined;
  return { checks: report.checks, exitCode: statusExitCode(report.checks), metricsError };
}

/** Writes the metrics file into its directory, which must exist; the failure, if any, says why. */
function writeMetrics(file: string, text: string): FailureError | undefined {
  try {
    // Never mkdir -p: a mistyped path would create directories as root (and /proc/... never ends).
    writeFileAtomic(file, text, { makeDir: false });
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT' || e.code === 'ENOTDIR'
        ? `its directory ${dirname(file)} does not exist`
        : e.code === 'EROFS'
          ? `${dirname(file)} is on a read-only filesystem`
          : e.message;
    return new FailureError(
      `cannot write the metrics file ${file}: ${reason}`,
      "point --prometheus at a file in an existing, writable directory (node_exporter's --collector.textfile.directory)",
    );
  }
}

/** Every destination of the plan (made from the machine already read) against its source. */
async function checkCopies(
  report: StatusReport,
  config: ReturnType<typeof loadConfig>,
  paths: SystemPaths,
  machine: Machine,
  verify: boolean,
): Promise<void> {
  // Compared as dualroot-sync writes them: the per-disk files rewritten, checked on their own.
  const { plan, rewrites } = prepareRewrites(makePlan(config, paths, machine).plan, machine, config, {
    ukis: true,
  });
  const state = syncStateFile.read(paths);
  checkRefusals(report, plan.refusals);
  for (const job of plan.jobs) {
    const excluded = excludeMatcher(job.exclude);
    const [source, destination] = await Promise.all([
      listTree(job.source, excluded, verify),
      listTree(job.destination, excluded, verify),
    ]);
    const diff = compareTrees(source, destination, { modifyWindow: job.fat ? 1 : 0, compareLinks: !job.fat });
    const last = state?.items[job.item]?.destinations[job.destination];
    checkJob(report, { job, sourceEntries: source.size, diff, verify, last });
    const rewrite = rewrites.get(job);
    if (rewrite) checkPerDisk(report, job, rewrite);
    if (job.fat) checkUpgradeRoom(report, job.destination, source, await freeSpace(job.destination));
  }
}

/** The root's RAID state from the tool that knows it. */
async function rootRaid(
  paths: SystemPaths,
  source: string,
  kind: 'btrfs' | 'md' | undefined,
): Promise<RootRaid> {
  if (kind === 'btrfs') return btrfsState(paths.root);
  if (kind === 'md') return mdState(paths.proc, source);
  return undefined;
}
