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
import { FailureError } from './errors.js';
import type { Esp } from './esp.js';

/** Boot loaders dualroot points a new entry at, in order of preference (ESP-relative). */
export const LOADERS = ['EFI/systemd/systemd-bootx64.efi', 'EFI/BOOT/BOOTX64.EFI'];

/** BootOrder and the Boot#### options as read from efivarfs, with the ones that could not be read. */
export interface BootOptions {
  order: number[];
  options: Map<number, LoadOption>;
  problems: string[];
}

/** The state of the boot entries: per ESP, what exists, and what is wrong. */
export interface EntriesReport {
  order: number[];
  entries: BootEntry[];
  perEsp: { esp: Esp; entries: BootEntry[] }[];
  problems: string[];
}

/**
 * Judges the boot entries against the machine's ESPs. `hasFile(mount, path)` says whether the ESP
 * mounted there has an ESP-relative file (matched case-insensitively, as FAT does).
 */
export function judgeEntries(
  boot: BootOptions,
  esps: Esp[],
  hasFile: (mount: string, path: string) => boolean,
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
  return { order, entries, perEsp, problems };
}

/** One efibootmgr call of a fix. */
export interface FixCommand {
  kind: 'create' | 'order';
  args: string[];
}

/**
 * What --fix would run: one create per ESP without an entry, then the BootOrder with ESP entries
 * first. `findLoader(mount)` names the first of LOADERS on the ESP mounted there, as it is spelled.
 */
export function planFix(
  report: EntriesReport,
  findLoader: (mount: string) => string | undefined,
): FixCommand[] {
  const commands: FixCommand[] = [];
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
  const current = report.order.map(formatBootNumber);
  const wanted = [...espNums, ...current.filter((n) => !espNums.includes(n))];
  if (commands.length > 0 || (report.problems.length > 0 && wanted.join(',') !== current.join(','))) {
    commands.push({ kind: 'order', args: ['--bootorder', wanted.join(',')] });
  }
  return commands;
}
