import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { type DiskMap, identifiersOf, partitionIds } from '../core/disk-map.js';
import { enclosingMount } from '../core/mountinfo.js';
import { bootsWithoutRoot } from '../core/per-disk-layout.js';
import { findReferences } from '../core/rewrite.js';
import type { PerDiskFiles, UkiCmdline } from '../core/status-per-disk.js';
import type { Job, Plan } from '../core/sync-plan.js';
import {
  ENTRIES_DIR,
  excludeFor,
  jobDiskMap,
  perDiskFiles,
  rewriteFiles,
  rewriteOutcome,
} from '../core/sync-rewrite.js';
import { readIfPresent } from '../sys/config-install.js';
import { replaceFileDurably } from '../sys/durable-file.js';
import { readUkiCmdline } from '../sys/uki.js';
import type { Machine } from './machine.js';

/**
 * The rewrite step of a run: each job's per-disk files, read and rewritten before the copy, and
 * its loader entries that name no root (gpt-auto-root: copied as they are, judged by dualroot-status).
 */
export type Rewrites = Map<Job, PerDiskFiles>;

/** The names in a directory; [] when it does not exist. */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Where Type #2 entries (UKIs) live on an ESP. */
const UKI_DIR = 'EFI/Linux';

/** The UKIs of an ESP whose embedded .cmdline names a partition of the map's source disk (copied as they are, they boot it), or cannot be read. */
function ukisNamingSource(esp: string, map: DiskMap): UkiCmdline[] {
  const own = identifiersOf(map, map.sourceDisk);
  return namesIn(join(esp, UKI_DIR))
    .filter((n) => /\.efi$/i.test(n))
    .flatMap((name): UkiCmdline[] => {
      let cmdline: string | undefined;
      try {
        cmdline = readUkiCmdline(join(esp, UKI_DIR, name));
      } catch (error) {
        return [{ relative: `${UKI_DIR}/${name}`, references: [], unreadable: (error as Error).message }];
      }
      const refs = cmdline === undefined ? [] : findReferences(cmdline, own);
      return refs.length === 0
        ? []
        : [{ relative: `${UKI_DIR}/${name}`, references: refs.map((r) => `${r.reference} (${r.owner})`) }];
    });
}

/**
 * For every job whose destination is on another disk than its source: reads its per-disk files
 * (loader entries, fstab, crypttab, kernel/cmdline), rewrites them through the disk map, and
 * keeps them out of the verbatim copy (the plan's jobs get the excludes). `ukis`: also reads each
 * UKI's embedded command line, which only dualroot-status judges (a sync, the hook's included, skips it).
 */
export function prepareRewrites(
  plan: Plan,
  machine: Machine,
  config: Config,
  options: { ukis?: boolean } = {},
): { plan: Plan; rewrites: Rewrites } {
  const partitions = partitionIds(machine.partitions, machine.probes);
  const rewrites: Rewrites = new Map();
  const jobs = plan.jobs.map((job) => {
    const map = jobDiskMap(job, machine.mounts, partitions, config.diskMap.pairs);
    if (!map) return job;
    const root = enclosingMount(machine.mounts, job.source)?.mountPoint ?? '/';
    const sources = perDiskFiles(job, namesIn(join(job.source, ENTRIES_DIR)), root).flatMap((relative) => {
      const text = readIfPresent(join(job.source, relative));
      return text === undefined
        ? []
        : [{ relative, text, current: readIfPresent(join(job.destination, relative)) }];
    });
    // Files naming neither disk (approach 1's RAID root: one UUID on both) stay in the verbatim copy.
    const files = rewriteFiles(map, sources).filter(
      (f) => f.result.changes.length > 0 || f.result.problems.length > 0,
    );
    const rootless =
      job.item === 'esp' || job.fat
        ? sources.filter((s) => bootsWithoutRoot(s.text)).map((s) => s.relative)
        : [];
    const ukis = options.ukis && job.item === 'esp' ? ukisNamingSource(job.source, map) : [];
    if (files.length === 0 && rootless.length === 0 && ukis.length === 0) return job;
    const rewritten: Job =
      files.length === 0
        ? job
        : { ...job, exclude: [...job.exclude, ...files.map((f) => excludeFor(f.relative))] };
    rewrites.set(rewritten, { map, files, rootless, ukis });
    return rewritten;
  });
  return { plan: { ...plan, jobs }, rewrites };
}

/** After a job's copy: writes its rewritten files (each replaced durably), or in a dry run only says what it would. */
export async function applyRewrites(
  rewrites: Rewrites,
  job: Job,
  dryRun: boolean,
): Promise<{ lines: string[]; problems: string[] }> {
  const files = rewrites.get(job)?.files;
  if (!files) return { lines: [], problems: [] };
  const outcome = rewriteOutcome(job.destination, files);
  if (!dryRun)
    for (const w of outcome.writes)
      replaceFileDurably(join(job.destination, w.relative), w.text, join(job.source, w.relative));
  return { lines: outcome.lines, problems: outcome.problems };
}
