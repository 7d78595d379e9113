// dualroot-status's judgements of the copies (each destination against its source, its last sync)
// and of the root's RAID1: facts in, checks and metrics out (into a StatusReport).
import { type FreeSpace, kernelSets, upgradeRoomWarning } from './esp-space.js';
import type { MountEntry } from './mountinfo.js';
import { type RaidState, unmirroredProfiles } from './raid.js';
import type { StatusReport } from './status.js';
import type { Job, Refusal } from './sync-plan.js';
import type { DestinationState } from './sync-state.js';
import type { TreeDiff, TreeEntry } from './tree-compare.js';

const IN_SYNC = ['dualroot_destination_in_sync', 'Whether a destination matches its source.'] as const;

/** Destinations the plan refuses cannot be in sync. */
export function checkRefusals(report: StatusReport, refusals: Refusal[]): void {
  for (const r of refusals) {
    report.add(
      'sync',
      r.destination,
      'problem',
      `${r.item}: ${r.destination}: ${r.reason}`,
      r.degraded
        ? 'mount it (or replace its disk), then run dualroot-sync'
        : 'fix the mount or the configuration',
    );
    report.metric(...IN_SYNC, { item: r.item, destination: r.destination }, 0);
  }
}

/** An ESP destination has room for the next upgrade of the source's largest kernel set, staged beside the old one. */
export function checkUpgradeRoom(
  report: StatusReport,
  destination: string,
  source: Map<string, TreeEntry>,
  space: FreeSpace,
): void {
  report.metric('dualroot_esp_free_bytes', 'Free bytes on an ESP destination.', { destination }, space.free);
  const largest = kernelSets(source)[0];
  const warning = largest && upgradeRoomWarning(largest, space, destination);
  if (warning)
    report.add(
      'space',
      destination,
      'warning',
      warning,
      'remove old kernels or other unneeded files from both ESPs, or give the ESPs more room, before the next upgrade (a sync that does not fit is refused)',
    );
}

/** How one destination compares with its source, and what its last sync recorded. */
export interface JobComparison {
  job: Job;
  /** Entries listed in the source. */
  sourceEntries: number;
  diff: TreeDiff;
  /** Contents compared (--verify), not only names, sizes and times. */
  verify: boolean;
  last: DestinationState | undefined;
}

/** A destination matches its source, and its last sync went well. */
export function checkJob(
  report: StatusReport,
  { job, sourceEntries, diff, verify, last }: JobComparison,
): void {
  const count = diff.differing.length + diff.missing.length + diff.extra.length;
  const how = verify ? 'contents (sha256)' : 'names, sizes and times';
  report.metric(...IN_SYNC, { item: job.item, destination: job.destination }, count === 0 ? 1 : 0);
  if (count === 0)
    report.add(
      'sync',
      job.destination,
      'ok',
      `${job.item}: ${job.destination} matches ${job.source} (${sourceEntries} entries, ${how})`,
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
  if (last?.lastSuccess) {
    report.metric(
      'dualroot_last_sync_success_timestamp_seconds',
      'When a destination last synced successfully.',
      { item: job.item, destination: job.destination },
      Math.floor(Date.parse(last.lastSuccess) / 1000),
    );
  }
  if (!last)
    report.add('last-sync', job.destination, 'ok', `${job.destination}: no sync recorded since boot`);
  else if (last.ok)
    report.add('last-sync', job.destination, 'ok', `${job.destination}: last synced ${last.time}`);
  else
    report.add(
      'last-sync',
      job.destination,
      'warning',
      `${job.destination}: last sync at ${last.time} ${last.status}: ${last.message}`,
      'run dualroot-sync and read its message',
    );
}

/** Which RAID tool can tell the state of the root filesystem mounted here, if any. */
export function rootRaidKind(root: MountEntry): 'btrfs' | 'md' | undefined {
  if (root.fsType === 'btrfs') return 'btrfs';
  return /^\/dev\/md/.test(root.source) ? 'md' : undefined;
}

/** The root's RAID state as its tool reports it (btrfs adds its block group profiles); undefined: not RAID. */
export type RootRaid = (RaidState & { profiles?: Record<string, string[]> }) | undefined;

/** The root filesystem is a complete RAID1 whose every chunk is mirrored (or says why it is not RAID1). */
export function checkRoot(
  report: StatusReport,
  path: string,
  root: MountEntry | undefined,
  state: RootRaid,
): void {
  if (!root) {
    report.add('root', path, 'warning', `${path} is not a mount point: root redundancy not checked`);
    return;
  }
  const btrfs = state?.kind === 'btrfs';
  const profiles = state?.profiles ?? {};
  const profile = btrfs ? (profiles.Data?.join('+') ?? 'unknown') : '';
  const unmirrored = btrfs ? unmirroredProfiles(profiles) : [];
  if (btrfs && state.devices < 2) {
    report.add('root', path, 'ok', `btrfs on one device (${profile}): no RAID1 (approach 2)`);
    return;
  }
  if (!state) {
    report.add('root', path, 'ok', `${root.fsType} on ${root.source}: not RAID1 (approach 2 or one disk)`);
    return;
  }
  report.metric(
    'dualroot_root_degraded',
    'Whether the RAID1 root runs with devices missing.',
    { mount: path },
    state.missing > 0 ? 1 : 0,
  );
  if (state.missing > 0 && state.rebuilding)
    report.add(
      'root',
      path,
      'problem',
      `root RAID1 is rebuilding (${state.rebuilding}): ${state.detail}; not redundant until it finishes`,
      'let it finish (cat /proc/mdstat shows progress) and keep both disks attached until then',
    );
  else if (state.missing > 0)
    report.add(
      'root',
      path,
      'problem',
      `root RAID1 is degraded: ${state.detail}`,
      'replace the disk and re-add it (btrfs replace / mdadm --add), see docs/guide.md',
    );
  else if (unmirrored.length > 0)
    // Chunks written while the root ran degraded are single: every device is back, yet they live on one.
    report.add(
      'root',
      path,
      'problem',
      `root RAID1 has every device (${state.detail}) but chunks on one disk only (${unmirrored.join(', ')}), written while it ran degraded`,
      `make them RAID1: btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft ${path}`,
    );
  else
    report.add(
      'root',
      path,
      'ok',
      `root RAID1 healthy: ${state.detail}${profile ? `, data ${profile}` : ''}`,
    );
}
