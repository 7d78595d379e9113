import { desiredBootOrder, formatBootOrder } from '../core/boot-entries.js';
import { efivarsProblem } from '../core/efivars.js';
import {
  checkCanPrune,
  type EntriesReport,
  type FixCommand,
  judgeEntries,
  LOADERS,
  planFix,
} from '../core/entries-report.js';
import { FailureError } from '../core/errors.js';
import { runEfibootmgr } from '../sys/efibootmgr.js';
import { efivarsState, readBootOptions } from '../sys/efivars.js';
import { findFileCaseInsensitive } from '../sys/fat-path.js';
import type { SystemPaths } from '../sys/paths.js';
import { bootedOrError, type Machine, readMachine } from './machine.js';

/** The parts of a machine the boot entries are judged against. */
type Disks = Pick<Machine, 'esps' | 'partUuids'>;

/** Reads the boot entries and judges them against the machine's ESPs; undefined when not booted with UEFI. */
export function readEntriesIfUefi(paths: SystemPaths, disks: Disks): EntriesReport | undefined {
  const state = efivarsState(paths.efivars);
  if (state === 'missing') return undefined;
  const unusable = efivarsProblem(paths.efivars, state);
  if (unusable) throw new FailureError(unusable.problem, unusable.hint);
  return judgeEntries(
    readBootOptions(paths.efivars),
    disks.esps,
    (mount, file) => Boolean(findFileCaseInsensitive(mount, [file])),
    disks.partUuids,
  );
}

/** Reads the boot entries and judges them against the machine's ESPs. */
export function readEntries(paths: SystemPaths, disks: Disks): EntriesReport {
  const report = readEntriesIfUefi(paths, disks);
  if (!report) {
    const { problem, hint } = efivarsProblem(paths.efivars, 'missing')!;
    throw new FailureError(`no boot entries to check: ${problem}`, hint);
  }
  return report;
}

/**
 * dualroot-esp entries' facts: the boot entries and, with --fix, the efibootmgr calls that fix
 * them (with `prune`, the deletes of stale entries too, once the disks are proven to be this boot's).
 */
export async function entriesRun(
  paths: SystemPaths,
  options: { fix: boolean; prune: boolean },
): Promise<{ disks: Disks; report: EntriesReport; commands: FixCommand[] }> {
  const machine = await readMachine(paths);
  const report = readEntries(paths, machine);
  if (options.prune) checkCanPrune(bootedOrError(machine));
  const commands = options.fix
    ? planFix(
        report,
        (mount) => findFileCaseInsensitive(mount, LOADERS),
        options.prune ? { bootCurrent: machine.firmware.bootCurrent } : undefined,
      )
    : [];
  return { disks: machine, report, commands };
}

/**
 * Runs a fix: deletes the pruned entries and creates the missing ones (`done` is told each), then,
 * with the numbers the firmware gave them read back, puts the ESP entries first. Returns the
 * BootOrder set, or undefined when the fix did not reorder.
 */
export async function applyFix(
  paths: SystemPaths,
  disks: Disks,
  commands: FixCommand[],
  done: (command: FixCommand) => void,
): Promise<string | undefined> {
  // Deletes first: efibootmgr takes each out of BootOrder, so the order set below never names one.
  for (const c of commands.filter((c) => c.kind === 'delete' || c.kind === 'create')) {
    await runEfibootmgr(c.args);
    done(c);
  }
  if (!commands.some((c) => c.kind === 'order')) return undefined;
  const after = readEntries(paths, disks);
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
