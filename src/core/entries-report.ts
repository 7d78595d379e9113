// dualroot-esp entries: is there a boot entry per ESP that the firmware can start, ahead of the
// rest; and which efibootmgr calls make it so.
import {
  type BootEntry,
  bootOrderProblems,
  classifyEntries,
  createEntryArgs,
  entriesPerEsp,
  firmwarePath,
} from './boot-entries.js';
import { formatBootNumber, type LoadOption } from './efivars.js';
import { type DualrootError, FailureError } from './errors.js';
import type { Booted, Esp } from './esp.js';

/** Boot loaders dualroot points a new entry at, in order of preference (ESP-relative). */
export const LOADERS = ['EFI/systemd/systemd-bootx64.efi', 'EFI/BOOT/BOOTX64.EFI'];

/** BootOrder and the Boot#### options as read from efivarfs, with the ones that could not be read. */
export interface BootOptions {
  order: number[];
  options: Map<number, LoadOption>;
  problems: string[];
}

/** What a boot entry starts on this machine. */
export type EntryTarget =
  | { kind: 'esp'; device: string; disk: string }
  /** A partition some disk has, that is not an ESP. */
  | { kind: 'partition'; device: string }
  /** A partition no disk has any more (a dead or removed disk's): the entry is stale. */
  | { kind: 'gone' }
  /** No partition in its device path: firmware applications, shells, network boot, fallbacks. */
  | { kind: 'none' };

/** A boot entry with what it points to here and whether dualroot installs its loader. */
export interface ListedEntry extends BootEntry {
  target: EntryTarget;
  /** It starts one of LOADERS (compared as FAT does, case-insensitively). */
  managed: boolean;
}

/** The state of the boot entries: per ESP, what exists, and what is wrong. */
export interface EntriesReport {
  order: number[];
  entries: BootEntry[];
  /** Every entry, in BootOrder order, then those not in BootOrder by number. */
  listed: ListedEntry[];
  perEsp: { esp: Esp; entries: BootEntry[] }[];
  problems: string[];
}

/** True when a firmware loader path (\EFI\BOOT\BOOTX64.EFI) is one of LOADERS. */
export function isManagedLoader(file: string | undefined): boolean {
  if (!file) return false;
  const relative = file.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
  return LOADERS.some((l) => l.toLowerCase() === relative);
}

/** Every entry with its target among the ESPs and the partitions present (PARTUUID → device). */
export function listEntries(
  entries: BootEntry[],
  esps: Esp[],
  partitions: Map<string, string>,
): ListedEntry[] {
  const target = (e: BootEntry): EntryTarget => {
    if (!e.partUuid) return { kind: 'none' };
    const esp = esps.find((x) => x.partUuid === e.partUuid);
    if (esp) return { kind: 'esp', device: esp.device, disk: esp.disk };
    const device = partitions.get(e.partUuid);
    return device ? { kind: 'partition', device } : { kind: 'gone' };
  };
  const rank = (e: BootEntry) => e.position ?? Number.MAX_SAFE_INTEGER;
  return entries
    .map((e) => ({ ...e, target: target(e), managed: isManagedLoader(e.file) }))
    .sort((a, b) => rank(a) - rank(b) || a.num - b.num);
}

/** The stale entries: they start a partition no disk has. */
export const staleEntries = (report: EntriesReport) => report.listed.filter((e) => e.target.kind === 'gone');

/** efibootmgr arguments that delete a boot entry (it also leaves BootOrder). */
export function deleteEntryArgs(num: number): string[] {
  return ['--delete-bootnum', '--bootnum', formatBootNumber(num)];
}

/**
 * --prune removes entries because no disk has their partition: that is only known when this
 * machine's disks are the ones the firmware booted from, so the booted ESP must be among them.
 */
export function checkCanPrune(booted: Booted | DualrootError): void {
  const refuse = (why: string) =>
    new FailureError(
      `refusing to remove boot entries: ${why}, so which partitions are gone cannot be told`,
      'run it on the machine booted with these EFI variables, with its disks attached; dualroot-esp shows what it finds',
    );
  if (booted instanceof Error) throw refuse(`the booted ESP is unknown (${booted.message})`);
  if (!booted.esp)
    throw refuse(
      `the booted ESP (PARTUUID ${booted.partUuid}, by ${booted.evidence}) is on no disk this machine shows`,
    );
}

/**
 * Judges the boot entries against the machine's ESPs. `hasFile(mount, path)` says whether the ESP
 * mounted there has an ESP-relative file (matched case-insensitively, as FAT does).
 */
export function judgeEntries(
  boot: BootOptions,
  esps: Esp[],
  hasFile: (mount: string, path: string) => boolean,
  partitions: Map<string, string>,
): EntriesReport {
  const { order, options } = boot;
  const problems = [...boot.problems];
  const entries = classifyEntries(options, order, esps);
  const perEsp = entriesPerEsp(entries, esps);
  for (const { esp, entries: own } of perEsp) {
    if (own.length === 0)
      problems.push(
        `ESP ${esp.device} on ${esp.disk} (PARTUUID ${esp.partUuid}) has no boot entry: the firmware cannot boot that disk on its own`,
      );
  }
  for (const { esp, entries: own } of perEsp) {
    const best = own[0];
    const mount = esp.mounts[0];
    if (!best?.file || !mount) continue;
    // An entry that starts a file the ESP no longer has fails at boot, exactly when it is needed.
    const relative = best.file.replace(/\\/g, '/').replace(/^\/+/, '');
    if (!hasFile(mount, relative))
      problems.push(
        `${best.name} ("${best.description}") for ${esp.device} starts ${best.file}, which is not on that ESP (${mount}): the firmware cannot boot it; install the boot loader there (bootctl install --esp-path=${mount}) or run dualroot-sync`,
      );
  }
  problems.push(...bootOrderProblems(perEsp, entries).map((p) => p.message));
  return { order, entries, listed: listEntries(entries, esps, partitions), perEsp, problems };
}

/** One efibootmgr call of a fix. */
export interface FixCommand {
  kind: 'delete' | 'create' | 'order';
  args: string[];
}

/**
 * What --fix would run: with `prune`, a delete per stale entry that starts one of LOADERS (never
 * BootCurrent); one create per ESP without an entry; then the BootOrder with ESP entries first.
 * `findLoader(mount)` names the first of LOADERS on the ESP mounted there, as it is spelled.
 */
export function planFix(
  report: EntriesReport,
  findLoader: (mount: string) => string | undefined,
  prune: { bootCurrent: number | undefined } | undefined = undefined,
): FixCommand[] {
  const pruned = prune ? staleEntries(report).filter((e) => e.managed && e.num !== prune.bootCurrent) : [];
  const commands: FixCommand[] = pruned.map((e) => ({ kind: 'delete', args: deleteEntryArgs(e.num) }));
  const gone = new Set(pruned.map((e) => formatBootNumber(e.num)));
  const espNums: string[] = [];
  for (const { esp, entries } of report.perEsp) {
    const [best] = entries;
    if (best) {
      espNums.push(formatBootNumber(best.num));
      continue;
    }
    const mount = esp.mounts[0];
    if (!mount)
      throw new FailureError(
        `cannot create a boot entry for ${esp.device}: it is not mounted, so its boot loader cannot be checked`,
        `mount it (e.g. at /efi1) and run again`,
      );
    const loader = findLoader(mount);
    if (!loader) {
      throw new FailureError(
        `cannot create a boot entry for ${esp.device}: no boot loader on it (looked for ${LOADERS.join(', ')} under ${mount})`,
        `install one (bootctl --esp-path=${mount} install) or run dualroot-sync, then run again`,
      );
    }
    commands.push({ kind: 'create', args: createEntryArgs(esp, firmwarePath(loader)) });
    espNums.push(`<new:${esp.device}>`);
  }
  const current = report.order.map(formatBootNumber).filter((n) => !gone.has(n));
  const wanted = [...espNums, ...current.filter((n) => !espNums.includes(n))];
  const creates = commands.some((c) => c.kind === 'create');
  if (creates || (report.problems.length > 0 && wanted.join(',') !== current.join(','))) {
    commands.push({ kind: 'order', args: ['--bootorder', wanted.join(',')] });
  }
  return commands;
}
