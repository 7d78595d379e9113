// dualroot-status's judgement of the per-disk files on another disk's copy: each must be the
// source's rewritten for that disk, so the disk boots and mounts its own partitions alone.
import { type DiskMap, identifiersOf } from './disk-map.js';
import { findReferences } from './rewrite.js';
import type { StatusReport } from './status.js';
import type { Job } from './sync-plan.js';
import type { FileRewrite } from './sync-rewrite.js';

const PER_DISK = [
  'dualroot_per_disk_files_ok',
  "Whether a destination's per-disk files name its own disk.",
] as const;

/** One destination's per-disk files (loader entries, fstab, crypttab, kernel cmdline) against their rewrite. */
export function checkPerDisk(report: StatusReport, job: Job, map: DiskMap, files: FileRewrite[]): void {
  const where = (f: FileRewrite) => `${job.destination}/${f.relative}`;
  const otherDisk = identifiersOf(map, map.sourceDisk);
  const problems: [string, string][] = [];
  for (const f of files) {
    for (const p of f.result.problems)
      problems.push([
        `${where(f)}: line ${p.line} of its source names ${p.reference}, which has no counterpart on ${map.destinationDisk} (${p.problem}), so dualroot-sync cannot write it`,
        'pair the partitions in [disk-map] pairs (dualroot.conf(5)), or name no partition there (gpt-auto root)',
      ]);
    if (f.result.problems.length > 0 || f.current === f.result.text) continue;
    const stale = f.current === undefined ? [] : findReferences(f.current, otherDisk);
    if (f.current === undefined)
      problems.push([
        `${where(f)} is missing: ${map.destinationDisk} has no copy of it`,
        'run dualroot-sync',
      ]);
    else if (stale.length > 0)
      for (const s of stale)
        problems.push([
          `${where(f)} line ${s.line} names ${s.reference} (${s.owner}, on ${map.sourceDisk}), not a partition of its own disk ${map.destinationDisk}: if ${map.sourceDisk} dies, ${map.destinationDisk} looks for the dead disk's partition`,
          'run dualroot-sync, which writes it rewritten for its disk',
        ]);
    else
      problems.push([
        `${where(f)} differs from its source rewritten for ${map.destinationDisk}`,
        'run dualroot-sync (dualroot-sync --test shows the rewrite)',
      ]);
  }
  report.metric(...PER_DISK, { item: job.item, destination: job.destination }, problems.length === 0 ? 1 : 0);
  for (const [message, fix] of problems)
    report.add('per-disk', job.destination, 'problem', `${job.item}: ${message}`, fix);
  if (problems.length === 0)
    report.add(
      'per-disk',
      job.destination,
      'ok',
      `${job.item}: ${job.destination}: ${files.map((f) => f.relative).join(', ')} name the partitions of its own disk ${map.destinationDisk}`,
    );
}
