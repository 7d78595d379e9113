import { desiredBootOrder, formatBootOrder } from '../core/boot-entries.js';
import { efivarsProblem } from '../core/efivars.js';
import {
  type EntriesReport,
  type FixCommand,
  judgeEntries,
  LOADERS,
  planFix,
} from '../core/entries-report.js';
import { FailureError } from '../core/errors.js';
import type { Esp } from '../core/esp.js';
import { runEfibootmgr } from '../sys/efibootmgr.js';
import { efivarsState, readBootOptions } from '../sys/efivars.js';
import { findFileCaseInsensitive } from '../sys/fat-path.js';
import type { SystemPaths } from '../sys/paths.js';
import { readMachine } from './machine.js';

/** Reads the boot entries and judges them against the machine's ESPs; undefined when not booted with UEFI. */
export function readEntriesIfUefi(paths: SystemPaths, esps: Esp[]): EntriesReport | undefined {
  const state = efivarsState(paths.efivars);
  if (state === 'missing') return undefined;
  const unusable = efivarsProblem(paths.efivars, state);
  if (unusable) throw new FailureError(unusable.problem, unusable.hint);
  return judgeEntries(readBootOptions(paths.efivars), esps, (mount, file) =>
    Boolean(findFileCaseInsensitive(mount, [file])),
  );
}

/** Reads the boot entries and judges them against the machine's ESPs. */
export function readEntries(paths: SystemPaths, esps: Esp[]): EntriesReport {
  const report = readEntriesIfUefi(paths, esps);
  if (!report) {
    const { problem, hint } = efivarsProblem(paths.efivars, 'missing')!;
    throw new FailureError(`no boot entries to check: ${problem}`, hint);
  }
  return report;
}

/** dualroot-esp entries' facts: the boot entries and, with --fix, the efibootmgr calls that fix them. */
export async function entriesRun(
  paths: SystemPaths,
  fix: boolean,
): Promise<{ esps: Esp[]; report: EntriesReport; commands: FixCommand[] }> {
  const machine = await readMachine(paths);
  const report = readEntries(paths, machine.esps);
  const commands = fix ? planFix(report, (mount) => findFileCaseInsensitive(mount, LOADERS)) : [];
  return { esps: machine.esps, report, commands };
}

/**
 * Runs a fix: creates the missing entries (`created` is told each), then, with the numbers the
 * firmware gave them read back, puts the ESP entries first. Returns the BootOrder set.
 */
export async function applyFix(
  paths: SystemPaths,
  esps: Esp[],
  commands: FixCommand[],
  created: (command: FixCommand) => void,
): Promise<string> {
  for (const c of commands.filter((c) => c.kind === 'create')) {
    await runEfibootmgr(c.args);
    created(c);
  }
  const after = readEntries(paths, esps);
  const missing = after.perEsp.filter((p) => p.entries.length === 0).map((p) => p.esp.device);
  if (missing.length > 0)
    throw new FailureError(
      `efibootmgr ran, but ${missing.join(', ')} still has no boot entry`,
      'check efibootmgr -v and the firmware setup',
    );
  const order = formatBootOrder(
    desiredBootOrder(
      after.order,
      after.perEsp.map((p) => p.entries[0]!.num),
    ),
  );
  await runEfibootmgr(['--bootorder', order]);
  return order;
}
