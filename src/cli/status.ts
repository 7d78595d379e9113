import { join } from 'node:path';
import { bootedOf, espMountsOf, type Machine, readMachine } from '../app/machine.js';
import { decideBind } from '../core/bind.js';
import { DualrootError, ExitCode } from '../core/errors.js';
import type { Booted } from '../core/esp.js';
import { espLinesWithoutNofail } from '../core/fstab.js';
import { mountAt } from '../core/mountinfo.js';
import { type RaidState, unmirroredProfiles } from '../core/raid.js';
import { type Check, formatPrometheus, type Metric, statusExitCode, statusMetrics } from '../core/status.js';
import type { SyncState } from '../core/sync-state.js';
import { compareTrees, excludeMatcher } from '../core/tree-compare.js';
import { loadConfig } from '../sys/config-file.js';
import { isUefi } from '../sys/efivars.js';
import { readFstab } from '../sys/fstab.js';
import type { SystemPaths } from '../sys/paths.js';
import { btrfsState, mdState } from '../sys/raid.js';
import { readState, writeFileAtomic } from '../sys/state.js';
import { listTree } from '../sys/tree.js';
import { type CommonArgs, parse, parser, pathsFrom } from './args.js';
import { readEntries } from './entries.js';
import { type Io, Logger } from './output.js';
import { makePlan, syncStateFile } from './sync-runner.js';

const PROGRAM = 'dualroot-status';

interface StatusArgs extends CommonArgs {
  verify: boolean;
  prometheus: string | undefined;
}

/** What the daemon's watch-state.json holds that status reads (tolerantly: it may be absent or older). */
interface WatchStateView {
  stopped?: string | null;
  items?: Record<
    string,
    {
      problem?: string | null;
      pending?: boolean;
      pendingSince?: string | null;
      lastResult?: string | null;
      message?: string;
    }
  >;
}

/** Collected checks and metrics of one run. */
class Report {
  readonly checks: Check[] = [];
  readonly metrics: Metric[] = [];
  add(check: string, subject: string, level: Check['level'], message: string, fix?: string) {
    this.checks.push({ check, subject, level, message, ...(fix && level !== 'ok' ? { fix } : {}) });
  }
  metric(name: string, help: string, labels: Record<string, string>, value: number) {
    this.metrics.push({ name, help, labels, value });
  }
}

/** Runs one check; if it throws, records that it could not be made as a problem of that check. */
async function attempt(report: Report, check: string, fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.add(
      check,
      '',
      'problem',
      `could not check ${check}: ${message.split('\n')[0]}`,
      'fix the cause named above, then run dualroot-status again',
    );
  }
}

/** dualroot-status: will this machine boot if either disk dies? */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<StatusArgs>(
    parser(
      PROGRAM,
      'Check that this machine will still boot if either disk dies: ESPs, /boot, sync, boot entries, fstab, RAID.',
      io,
    )
      .option('verify', {
        type: 'boolean',
        default: false,
        describe: 'compare file contents (checksums), not only names, sizes and times',
      })
      .option('prometheus', {
        type: 'string',
        describe: 'also write node_exporter textfile metrics to FILE (atomically)',
      }),
    argv,
    io,
  );
  if (!args) return ExitCode.ok;
  const log = new Logger(io, PROGRAM, args.quiet);
  const paths = pathsFrom(args, io);
  const config = loadConfig(paths.config);
  const machine = await readMachine(paths);
  const report = new Report();
  const espMounts = espMountsOf(config, paths);
  checkEsps(report, machine, espMounts);
  const booted = checkBooted(report, machine);
  if (booted?.esp) {
    const decision = decideBind(booted.esp, espMounts, config.bind.target, machine.mounts);
    if (decision.action === 'none')
      report.add(
        'bind',
        config.bind.target,
        'ok',
        `${config.bind.target} is the booted ESP (${booted.esp.device})`,
      );
    else if (decision.action === 'bind')
      report.add(
        'bind',
        config.bind.target,
        'problem',
        `${config.bind.target} is not mounted: kernels installed now land on the root filesystem`,
        'run dualroot-bind',
      );
    else report.add('bind', config.bind.target, 'problem', decision.message, decision.hint);
  }
  // One check that cannot run (a tool missing, a file vanishing mid-read) is reported as a problem;
  // the others still run and the metrics are still written.
  await attempt(report, 'sync', () => checkSync(report, config, paths, args.verify));
  await attempt(report, 'watch', () => checkWatch(report, paths));
  await attempt(report, 'entries', () => checkEntries(report, paths, machine));
  await attempt(report, 'fstab', () => checkFstab(report, paths, espMounts));
  await attempt(report, 'root', () => checkRoot(report, paths, machine));

  const now = new Date();
  const metrics = [...statusMetrics(report.checks, now), ...report.metrics];
  if (args.prometheus) writeFileAtomic(args.prometheus, formatPrometheus(metrics));
  const exitCode = statusExitCode(report.checks);
  if (args.json) {
    log.data(JSON.stringify({ healthy: exitCode === 0, exitCode, checks: report.checks }, null, 2));
    return exitCode;
  }
  for (const c of report.checks) {
    if (args.quiet && c.level === 'ok') continue;
    io.stdout(`${c.level.padEnd(8)} ${c.check.padEnd(9)} ${c.message}`);
    if (c.fix) io.stdout(`${' '.repeat(18)} fix: ${c.fix}`);
  }
  const problems = report.checks.filter((c) => c.level === 'problem').length;
  const warnings = report.checks.filter((c) => c.level === 'warning').length;
  log.info(
    problems > 0
      ? `DEGRADED: ${problems} problem${problems === 1 ? '' : 's'}: this machine may not boot if a disk dies`
      : `healthy: this machine can boot from either disk${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`,
  );
  return exitCode;
}

function checkEsps(report: Report, machine: Machine, espMounts: string[]): void {
  if (espMounts.length === 0)
    report.add(
      'esps',
      '(none)',
      'problem',
      'no ESP mount points (/efi0, /efi1, ...) exist',
      'create /efi0 and /efi1 and mount the ESPs there (docs/arch-install.md)',
    );
  const used = new Set<string>();
  for (const mount of espMounts) {
    const entry = mountAt(machine.mounts, mount);
    const esp = entry && machine.esps.find((e) => e.majorMinor === entry.majorMinor);
    report.metric(
      'dualroot_esp_present',
      'Whether an ESP is mounted at this ESP mount point.',
      { mount },
      esp ? 1 : 0,
    );
    if (esp) {
      used.add(esp.majorMinor);
      report.add('esps', mount, 'ok', `${mount}: ${esp.device} on ${esp.disk} (PARTUUID ${esp.partUuid})`);
    } else if (entry) {
      report.add(
        'esps',
        mount,
        'problem',
        `${mount} is mounted from ${entry.source}, which is not an EFI System Partition`,
        'fix its fstab line',
      );
    } else {
      report.add(
        'esps',
        mount,
        'problem',
        `${mount} is not mounted: its disk is missing or its ESP not mounted`,
        `mount ${mount}; if the disk died, replace it (docs/guide.md)`,
      );
    }
  }
  for (const esp of machine.esps.filter((e) => !used.has(e.majorMinor))) {
    report.add(
      'esps',
      esp.device,
      'warning',
      `ESP ${esp.device} on ${esp.disk} is not mounted at any ESP mount point`,
      'mount it at the next free /efiN, or ignore it if it is removable media',
    );
  }
  if (machine.esps.length < 2)
    report.add(
      'esps',
      'count',
      'problem',
      `only ${machine.esps.length} ESP present: no second disk to boot from`,
      'replace the missing disk and recreate its ESP',
    );
}

function checkBooted(report: Report, machine: Machine): Booted | undefined {
  try {
    const booted = bootedOf(machine);
    report.add(
      'booted',
      booted.partUuid,
      booted.esp ? 'ok' : 'problem',
      booted.esp
        ? `booted from ${booted.esp.device} (${booted.evidence})`
        : `booted ESP PARTUUID ${booted.partUuid} (${booted.evidence}) is not present`,
    );
    return booted;
  } catch (error) {
    if (!(error instanceof DualrootError)) throw error;
    report.add('booted', '(unknown)', 'problem', error.message, error.hint);
    return undefined;
  }
}

async function checkSync(
  report: Report,
  config: ReturnType<typeof loadConfig>,
  paths: SystemPaths,
  verify: boolean,
): Promise<void> {
  const { plan } = await makePlan(config, paths);
  const state = readState<SyncState>(syncStateFile(paths));
  const last = (item: string, destination: string) => state?.items[item]?.destinations[destination];
  for (const r of plan.refusals) {
    report.add(
      'sync',
      r.destination,
      'problem',
      `${r.item}: ${r.destination}: ${r.reason}`,
      r.degraded
        ? 'mount it (or replace its disk), then run dualroot-sync'
        : 'fix the mount or the configuration',
    );
    report.metric(
      'dualroot_destination_in_sync',
      'Whether a destination matches its source.',
      { item: r.item, destination: r.destination },
      0,
    );
  }
  for (const job of plan.jobs) {
    const excluded = excludeMatcher(job.exclude);
    const [source, destination] = await Promise.all([
      listTree(job.source, excluded, verify),
      listTree(job.destination, excluded, verify),
    ]);
    const diff = compareTrees(source, destination, { modifyWindow: job.fat ? 1 : 0, compareLinks: !job.fat });
    const count = diff.differing.length + diff.missing.length + diff.extra.length;
    const how = verify ? 'contents (sha256)' : 'names, sizes and times';
    report.metric(
      'dualroot_destination_in_sync',
      'Whether a destination matches its source.',
      { item: job.item, destination: job.destination },
      count === 0 ? 1 : 0,
    );
    if (count === 0)
      report.add(
        'sync',
        job.destination,
        'ok',
        `${job.item}: ${job.destination} matches ${job.source} (${source.size} entries, ${how})`,
      );
    else {
      const list = [
        ...diff.differing.map((p) => `differs ${p}`),
        ...diff.missing.map((p) => `missing ${p}`),
        ...diff.extra.map((p) => `extra ${p}`),
      ];
      report.add(
        'sync',
        job.destination,
        'problem',
        `${job.item}: ${job.destination} differs from ${job.source} by ${how}: ${list.join(', ')}`,
        'run dualroot-sync (dualroot-sync --test shows what it will change)',
      );
    }
    const record = last(job.item, job.destination);
    if (record?.lastSuccess) {
      report.metric(
        'dualroot_last_sync_success_timestamp_seconds',
        'When a destination last synced successfully.',
        { item: job.item, destination: job.destination },
        Math.floor(Date.parse(record.lastSuccess) / 1000),
      );
    }
    if (!record)
      report.add('last-sync', job.destination, 'ok', `${job.destination}: no sync recorded since boot`);
    else if (record.ok)
      report.add('last-sync', job.destination, 'ok', `${job.destination}: last synced ${record.time}`);
    else
      report.add(
        'last-sync',
        job.destination,
        'warning',
        `${job.destination}: last sync at ${record.time} ${record.status}: ${record.message}`,
        'run dualroot-sync and read its message',
      );
  }
}

function checkWatch(report: Report, paths: SystemPaths): void {
  const state = readState<WatchStateView>(join(paths.runDir, 'watch-state.json'));
  if (!state?.items || state.stopped) return;
  for (const [name, item] of Object.entries(state.items)) {
    if (item.problem)
      report.add(
        'watch',
        name,
        'warning',
        `dualroot-watch, ${name}: ${item.problem}`,
        'journalctl -u dualroot-watch',
      );
    else if (item.lastResult && item.lastResult !== 'ok')
      report.add(
        'watch',
        name,
        'warning',
        `dualroot-watch, ${name}: last sync ${item.lastResult}${item.message ? `: ${item.message}` : ''}`,
        'journalctl -u dualroot-watch',
      );
  }
}

function checkEntries(report: Report, paths: SystemPaths, machine: Machine): void {
  if (!isUefi(paths.efivars)) {
    report.add(
      'entries',
      '(firmware)',
      'ok',
      `not booted with UEFI (${paths.efivars} absent): boot entries not checked`,
    );
    return;
  }
  const entries = readEntries(paths, machine.esps);
  for (const { esp, entries: own } of entries.perEsp) {
    report.metric(
      'dualroot_boot_entry_present',
      'Whether an ESP has a firmware boot entry.',
      { partuuid: esp.partUuid },
      own.length > 0 ? 1 : 0,
    );
    if (own.length > 0)
      report.add('entries', esp.device, 'ok', `${esp.device}: ${own[0]!.name} "${own[0]!.description}"`);
  }
  for (const problem of entries.problems)
    report.add(
      'entries',
      '(firmware)',
      'problem',
      problem,
      'dualroot-esp entries --fix (--test shows what it does)',
    );
}

function checkFstab(report: Report, paths: SystemPaths, espMounts: string[]): void {
  const entries = readFstab(paths.fstab);
  if (!entries) {
    report.add('fstab', paths.fstab, 'warning', `${paths.fstab} cannot be read`, 'check the file');
    return;
  }
  const missing = espLinesWithoutNofail(entries, espMounts);
  for (const e of missing) {
    report.add(
      'fstab',
      e.target,
      'warning',
      `${paths.fstab} line ${e.line} mounts ${e.target} without nofail: if that disk dies, the boot stops in emergency mode`,
      'add nofail,x-systemd.device-timeout=10s to its options',
    );
  }
  if (missing.length === 0) report.add('fstab', paths.fstab, 'ok', 'ESP lines have nofail');
}

async function checkRoot(report: Report, paths: SystemPaths, machine: Machine): Promise<void> {
  const root = mountAt(machine.mounts, paths.root);
  if (!root) {
    report.add(
      'root',
      paths.root,
      'warning',
      `${paths.root} is not a mount point: root redundancy not checked`,
    );
    return;
  }
  let state: RaidState | undefined;
  let profile = '';
  let unmirrored: string[] = [];
  if (root.fsType === 'btrfs') {
    const btrfs = await btrfsState(paths.root);
    state = btrfs;
    profile = btrfs.profiles.Data?.join('+') ?? 'unknown';
    unmirrored = unmirroredProfiles(btrfs.profiles);
    if (btrfs.devices < 2) {
      report.add('root', paths.root, 'ok', `btrfs on one device (${profile}): no RAID1 (approach 2)`);
      return;
    }
  } else if (/^\/dev\/md/.test(root.source)) {
    state = mdState(paths.proc, root.source);
  }
  if (!state) {
    report.add(
      'root',
      paths.root,
      'ok',
      `${root.fsType} on ${root.source}: not RAID1 (approach 2 or one disk)`,
    );
    return;
  }
  report.metric(
    'dualroot_root_degraded',
    'Whether the RAID1 root runs with devices missing.',
    { mount: paths.root },
    state.missing > 0 ? 1 : 0,
  );
  if (state.missing > 0 && state.rebuilding)
    report.add(
      'root',
      paths.root,
      'problem',
      `root RAID1 is rebuilding (${state.rebuilding}): ${state.detail}; not redundant until it finishes`,
      'let it finish (cat /proc/mdstat shows progress) and keep both disks attached until then',
    );
  else if (state.missing > 0)
    report.add(
      'root',
      paths.root,
      'problem',
      `root RAID1 is degraded: ${state.detail}`,
      'replace the disk and re-add it (btrfs replace / mdadm --add), see docs/guide.md',
    );
  else if (unmirrored.length > 0)
    // Chunks written while the root ran degraded are single: every device is back, yet they live on one.
    report.add(
      'root',
      paths.root,
      'problem',
      `root RAID1 has every device (${state.detail}) but chunks on one disk only (${unmirrored.join(', ')}), written while it ran degraded`,
      `make them RAID1: btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft ${paths.root}`,
    );
  else
    report.add(
      'root',
      paths.root,
      'ok',
      `root RAID1 healthy: ${state.detail}${profile ? `, data ${profile}` : ''}`,
    );
}
