// dualroot-esp entries' output: every boot entry as the firmware has it, per ESP its entry, and
// the stale entries with the command that removes each.
import { formatBootNumber as hex } from '../core/efivars.js';
import {
  deleteEntryArgs,
  type EntriesReport,
  type FixCommand,
  type ListedEntry,
  staleEntries,
} from '../core/entries-report.js';
import { shellQuote } from '../core/format.js';
import type { Logger } from './output.js';

/** An efibootmgr call as a command line. */
export const commandLine = (args: string[]) => `efibootmgr ${args.map(shellQuote).join(' ')}`;

const WITHOUT_PARTITION = {
  shell: 'a firmware shell',
  network: 'network boot',
  'firmware-fallback': 'made by the firmware, no partition',
  'firmware-app': 'a firmware application',
} as const;

/** What an entry starts, in words. */
function where(e: ListedEntry): string {
  const t = e.target;
  if (t.kind === 'esp') return `ESP ${t.device} (disk ${t.disk})`;
  if (t.kind === 'partition') return `partition ${t.device} (not an ESP)`;
  if (t.kind === 'gone') return `partition ${e.partUuid}: on no disk, STALE`;
  return e.kind === 'esp' || e.kind === 'disk' ? 'no partition' : WITHOUT_PARTITION[e.kind];
}

/** The text listing. */
export function printEntries(log: Logger, report: EntriesReport): void {
  log.info(`BootOrder: ${report.order.map(hex).join(',') || '(empty)'}`);
  log.info(`Boot entries (${report.listed.length}), in BootOrder:`);
  for (const e of report.listed) {
    const position = e.position === undefined ? '-' : String(e.position + 1);
    const loader = e.file ? `  ${e.file}` : '';
    log.info(`  ${position.padStart(2)}  ${e.name}  "${e.description}"  ${where(e)}${loader}`);
  }
  for (const { esp, entries } of report.perEsp) {
    const [best] = entries;
    log.info(
      best
        ? `ESP ${esp.device} (PARTUUID ${esp.partUuid}): ${best.name} "${best.description}" ${best.file ?? ''}, ${best.position === undefined ? 'not in BootOrder' : `BootOrder position ${best.position + 1}`}`
        : `ESP ${esp.device} (PARTUUID ${esp.partUuid}): no boot entry`,
    );
  }
  for (const p of report.problems) log.warn(p);
  for (const e of staleEntries(report)) {
    const how = e.managed
      ? ` (or dualroot-esp entries --fix --prune)`
      : `; --prune leaves it: it starts ${e.file ?? 'no file'}, not a loader dualroot installs`;
    log.warn(
      `${e.name} ("${e.description}") is stale: no disk has its partition ${e.partUuid} (a dead or removed disk); remove it: ${commandLine(deleteEntryArgs(e.num))}${how}`,
    );
  }
}

/** The JSON document. */
export function entriesJson(report: EntriesReport, commands: FixCommand[]) {
  return {
    bootOrder: report.order.map(hex),
    esps: report.perEsp.map(({ esp, entries }) => ({
      device: esp.device,
      disk: esp.disk,
      partuuid: esp.partUuid,
      entries: entries.map((e) => ({
        bootnum: hex(e.num),
        description: e.description,
        loader: e.file ?? null,
        position: e.position ?? null,
      })),
    })),
    entries: report.listed.map((e) => ({
      bootnum: hex(e.num),
      description: e.description,
      kind: e.kind,
      partuuid: e.partUuid ?? null,
      device: e.target.kind === 'esp' || e.target.kind === 'partition' ? e.target.device : null,
      esp: e.target.kind === 'esp',
      stale: e.target.kind === 'gone',
      loader: e.file ?? null,
      managedLoader: e.managed,
      position: e.position ?? null,
    })),
    problems: report.problems,
    commands: commands.map((c) => ['efibootmgr', ...c.args]),
  };
}
