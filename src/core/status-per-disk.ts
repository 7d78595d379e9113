// dualroot-status's judgement of the per-disk files on another disk's copy: each must be the
// source's rewritten for that disk, so the disk boots and mounts its own partitions alone; the
// other disk's filesystems mounted with nofail; an entry naming no root needs a discoverable root.
import { type DiskMap, identifiersOf } from './disk-map.js';
import {
  discoverableRoots,
  KERNEL_NAME,
  mountsWithoutNofail,
  ROOT_X86_64_TYPE,
  rootMountOf,
} from './per-disk-layout.js';
import { findReferences } from './rewrite.js';
import type { StatusReport } from './status.js';
import type { Job } from './sync-plan.js';
import type { FileRewrite } from './sync-rewrite.js';

const PER_DISK = [
  'dualroot_per_disk_files_ok',
  "Whether a destination's per-disk files name its own disk.",
] as const;

/** A UKI (relative to the ESP) whose embedded .cmdline names partitions of the source disk, or could not be read. */
export interface UkiCmdline {
  relative: string;
  references: string[];
  /** Why its .cmdline could not be read (then `references` is empty). */
  unreadable?: string;
}

/** What a destination's per-disk check looks at: its disk map, its rewritten files, its entries naming no root, its UKIs. */
export interface PerDiskFiles {
  map: DiskMap;
  files: FileRewrite[];
  /** Loader entries (relative to the ESP) that boot Linux with no root=: copied as they are. */
  rootless: string[];
  /** UKIs whose .cmdline names the source disk: they cannot be rewritten (signed, or one binary). */
  ukis: UkiCmdline[];
}

type Finding = [message: string, fix: string];

/** A file's text against what dualroot-sync writes there: missing, naming the other disk, or otherwise different. */
function staleness(job: Job, map: DiskMap, f: FileRewrite): Finding[] {
  const where = `${job.destination}/${f.relative}`;
  if (f.result.problems.length > 0)
    return f.result.problems.map((p) => [
      `${where}: line ${p.line} of its source names ${p.reference}, which has no counterpart on ${map.destinationDisk} (${p.problem}), so dualroot-sync cannot write it`,
      'pair the partitions in [disk-map] pairs (dualroot.conf(5)), or name no partition there (gpt-auto root)',
    ]);
  if (f.current === f.result.text) return [];
  if (f.current === undefined)
    return [[`${where} is missing: ${map.destinationDisk} has no copy of it`, 'run dualroot-sync']];
  const stale = findReferences(f.current, identifiersOf(map, map.sourceDisk));
  if (stale.length === 0)
    return [
      [
        `${where} differs from its source rewritten for ${map.destinationDisk}`,
        'run dualroot-sync (dualroot-sync --test shows the rewrite)',
      ],
    ];
  return stale.map((s) => [
    `${where} line ${s.line} names ${s.reference} (${s.owner}, on ${map.sourceDisk}), not a partition of its own disk ${map.destinationDisk}: if ${map.sourceDisk} dies, ${map.destinationDisk} looks for the dead disk's partition`,
    'run dualroot-sync, which writes it rewritten for its disk',
  ]);
}

/** An fstab's mounts of the other disk without nofail: the source's, and its copy's as dualroot-sync writes it. */
function nofailFindings(job: Job, map: DiskMap, f: FileRewrite): Finding[] {
  if (job.item === 'esp' || !/(^|\/)fstab$/.test(f.relative) || f.result.problems.length > 0) return [];
  const source = `${job.source}/${f.relative}`;
  const copy = `${job.destination}/${f.relative}`;
  const inSource = mountsWithoutNofail(f.source, identifiersOf(map, map.destinationDisk));
  const inCopy = mountsWithoutNofail(f.result.text, identifiersOf(map, map.sourceDisk));
  const fix = `add nofail,x-systemd.device-timeout=10s to its options in ${source} (dualroot-sync writes the copy)`;
  return [
    ...inSource.map((m): Finding => {
      const copied = inCopy.find((c) => c.line === m.line);
      return [
        `${source} line ${m.line} mounts ${m.reference} (${m.owner}, on ${map.destinationDisk}) at ${m.target} without nofail: if ${map.destinationDisk} dies, ${map.sourceDisk} alone stops in emergency mode waiting for it${copied ? `; its copy ${copy} line ${copied.line} mounts ${copied.reference} (on ${map.sourceDisk}) the same way` : ''}`,
        fix,
      ];
    }),
    ...inCopy
      .filter((c) => !inSource.some((m) => m.line === c.line))
      .map(
        (c): Finding => [
          `${copy} line ${c.line} (as dualroot-sync writes it) mounts ${c.reference} (${c.owner}, on ${map.sourceDisk}) at ${c.target} without nofail: if ${map.sourceDisk} dies, ${map.destinationDisk} alone stops in emergency mode waiting for it`,
          fix,
        ],
      ),
  ];
}

/** Entries naming no root: fine where the destination disk has a discoverable root, a dead end where it has none. */
function rootlessFindings(job: Job, map: DiskMap, rootless: string[]): { ok: string[]; problems: Finding[] } {
  if (rootless.length === 0) return { ok: [], problems: [] };
  const roots = discoverableRoots(map, map.destinationDisk);
  const names = rootless.map((r) => `${job.destination}/${r}`).join(', ');
  if (roots.length > 0)
    return {
      ok: [
        `${names} ${rootless.length === 1 ? 'names' : 'name'} no root= (gpt-auto-root): systemd finds ${roots.map((r) => r.device).join(', ')} (root partition type ${ROOT_X86_64_TYPE}) on ${map.destinationDisk}`,
      ],
      problems: [],
    };
  return {
    ok: [],
    problems: rootless.map((r) => [
      `${job.destination}/${r} boots Linux with no root= but ${map.destinationDisk} has no partition of the root type ${ROOT_X86_64_TYPE}: systemd-gpt-auto-generator finds no root there, and that disk alone stops in the initramfs`,
      `give ${map.destinationDisk}'s root partition that type (sfdisk --part-type ${map.destinationDisk} N ${ROOT_X86_64_TYPE}), or name the root with root= in the entry (dualroot-sync rewrites it for each disk)`,
    ]),
  };
}

/** The root item's fstab as dualroot-sync writes it: / from the destination's own disk, said in the ok line; a kernel name is a problem. */
function rootFindings(job: Job, map: DiskMap, files: FileRewrite[]): { ok: string[]; problems: Finding[] } {
  const file = (name: string) => files.find((f) => f.relative === name || f.relative.endsWith(`/${name}`));
  const fstab = file('fstab');
  if (job.item === 'esp' || !fstab || fstab.result.problems.length > 0) return { ok: [], problems: [] };
  const root = rootMountOf(
    fstab.result.text,
    file('crypttab')?.result.text,
    identifiersOf(map, map.destinationDisk),
  );
  const where = `${job.destination}/${fstab.relative}`;
  if (!root) return { ok: [], problems: [] };
  if (KERNEL_NAME.test(root.source))
    return {
      ok: [],
      problems: [
        [
          `${where} line ${root.line} mounts / from ${root.source}, a kernel name: with a disk gone the names shift, and ${map.destinationDisk} alone may mount another disk's partition or none`,
          `name the root by UUID= in ${job.source}/${fstab.relative} (blkid shows it); dualroot-sync writes the copy with its own disk's`,
        ],
      ],
    };
  if (!root.owner) return { ok: [], problems: [] };
  const via = root.crypttabLine === undefined ? '' : `, opened by crypttab line ${root.crypttabLine}`;
  return {
    ok: [`${fstab.relative} mounts / from ${root.source} (${root.owner}${via})`],
    problems: [],
  };
}

/** UKIs copied as they are whose embedded command line sends the other disk to this one's partitions. */
function ukiFindings(job: Job, map: DiskMap, ukis: UkiCmdline[]): Finding[] {
  return ukis.map((u) =>
    u.unreadable !== undefined
      ? [
          `${job.source}/${u.relative}: its embedded command line (.cmdline) could not be read (${u.unreadable}), so whether it boots ${map.destinationDisk} with ${map.sourceDisk}'s partitions is not known`,
          `check the file and the disk under ${job.source} (dmesg for I/O errors), then run dualroot-status again`,
        ]
      : [
          `${job.destination}/${u.relative}: its embedded command line (.cmdline) names ${u.references.join(', ')} on ${map.sourceDisk}; a UKI is copied as it is (its .cmdline cannot be rewritten), so if ${map.sourceDisk} dies, ${map.destinationDisk} boots it looking for the dead disk's partition`,
          `build the UKI without root= and other partition names in its .cmdline (/etc/kernel/cmdline) and give both roots the discoverable root type ${ROOT_X86_64_TYPE} (gpt-auto-root), or boot Type #1 entries (loader/entries/*.conf), which dualroot-sync rewrites per disk`,
        ],
  );
}

/** One destination's per-disk files (loader entries, fstab, crypttab, kernel cmdline) against their rewrite and its disk's layout. */
export function checkPerDisk(report: StatusReport, job: Job, perDisk: PerDiskFiles): void {
  const { map, files } = perDisk;
  const rootless = rootlessFindings(job, map, perDisk.rootless);
  const root = rootFindings(job, map, files);
  const problems = [
    ...root.problems,
    ...files.flatMap((f) => [...staleness(job, map, f), ...nofailFindings(job, map, f)]),
    ...rootless.problems,
    ...ukiFindings(job, map, perDisk.ukis),
  ];
  report.metric(...PER_DISK, { item: job.item, destination: job.destination }, problems.length === 0 ? 1 : 0);
  for (const [message, fix] of problems)
    report.add('per-disk', job.destination, 'problem', `${job.item}: ${message}`, fix);
  if (problems.length > 0) return;
  if (files.length > 0)
    report.add(
      'per-disk',
      job.destination,
      'ok',
      `${job.item}: ${job.destination}: ${files.map((f) => f.relative).join(', ')} name the partitions of its own disk ${map.destinationDisk}${root.ok.map((m) => `; ${m}`).join('')}`,
    );
  for (const message of rootless.ok) report.add('per-disk', job.destination, 'ok', `${job.item}: ${message}`);
}
