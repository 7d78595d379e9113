import { readMachine } from '../app/machine.js';
import {
  type BootEntry,
  bootOrderProblems,
  classifyEntries,
  createEntryArgs,
  desiredBootOrder,
  entriesPerEsp,
  firmwarePath,
  formatBootOrder,
} from '../core/boot-entries.js';
import { ExitCode, FailureError, UsageError } from '../core/errors.js';
import type { Esp } from '../core/esp.js';
import { runEfibootmgr } from '../sys/efibootmgr.js';
import { isUefi, readBootOptions } from '../sys/efivars.js';
import { findFileCaseInsensitive } from '../sys/fat-path.js';
import type { SystemPaths } from '../sys/paths.js';
import { type CommonArgs, parse, parser, pathsFrom } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-esp entries';

/** Boot loaders dualroot points a new entry at, in order of preference (ESP-relative). */
const LOADERS = ['EFI/systemd/systemd-bootx64.efi', 'EFI/BOOT/BOOTX64.EFI'];

interface EntriesArgs extends CommonArgs {
  fix: boolean;
  test: boolean;
}

/** The state of the boot entries: per ESP, what exists, and what is wrong. */
export interface EntriesReport {
  order: number[];
  entries: BootEntry[];
  perEsp: { esp: Esp; entries: BootEntry[] }[];
  problems: string[];
}

/** Reads the boot entries and judges them against the machine's ESPs. */
export function readEntries(paths: SystemPaths, esps: Esp[]): EntriesReport {
  if (!isUefi(paths.efivars))
    throw new FailureError(`${paths.efivars} does not exist: not booted with UEFI, no boot entries to check`);
  const { order, options, problems } = readBootOptions(paths.efivars);
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
    if (!findFileCaseInsensitive(mount, [relative]))
      problems.push(
        `${best.name} ("${best.description}") for ${esp.device} starts ${best.file}, which is not on that ESP (${mount}): the firmware cannot boot it; install the boot loader there (bootctl install --esp-path=${mount}) or run dualroot-sync`,
      );
  }
  problems.push(...bootOrderProblems(perEsp, entries).map((p) => p.message));
  return { order, entries, perEsp, problems };
}

const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
const quote = (arg: string) => (/^[\w./,:=@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);

/** dualroot-esp entries: list each ESP's boot entry and BootOrder position; --fix creates the missing ones. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<EntriesArgs>(
    parser(
      PROGRAM,
      "List each ESP's firmware boot entry and its BootOrder position; --fix creates missing entries with efibootmgr and puts the ESP entries first.",
      io,
    )
      .option('fix', {
        type: 'boolean',
        default: false,
        describe: 'create missing entries and put the ESP entries first in BootOrder',
      })
      .option('test', {
        alias: 't',
        type: 'boolean',
        default: false,
        describe: 'with --fix: print the efibootmgr commands, run nothing',
      }),
    argv,
    io,
  );
  if (!args) return ExitCode.ok;
  if (args.test && !args.fix)
    throw new UsageError(
      '--test only applies to --fix',
      'dualroot-esp entries --fix --test prints the efibootmgr commands; without --fix nothing is written anyway',
    );
  const log = new Logger(io, 'dualroot-esp', args.quiet);
  const paths = pathsFrom(args, io);
  const machine = await readMachine(paths);
  const report = readEntries(paths, machine.esps);
  const commands = args.fix ? planFix(report) : [];
  if (args.json) {
    log.data(
      JSON.stringify(
        {
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
          entries: report.entries.map((e) => ({
            bootnum: hex(e.num),
            description: e.description,
            kind: e.kind,
            partuuid: e.partUuid ?? null,
            position: e.position ?? null,
          })),
          problems: report.problems,
          commands: commands.map((c) => ['efibootmgr', ...c.args]),
        },
        null,
        2,
      ),
    );
  } else {
    log.info(`BootOrder: ${report.order.map(hex).join(',') || '(empty)'}`);
    for (const { esp, entries } of report.perEsp) {
      const [best] = entries;
      log.info(
        best
          ? `ESP ${esp.device} (PARTUUID ${esp.partUuid}): ${best.name} "${best.description}" ${best.file ?? ''}, ${best.position === undefined ? 'not in BootOrder' : `BootOrder position ${best.position + 1}`}`
          : `ESP ${esp.device} (PARTUUID ${esp.partUuid}): no boot entry`,
      );
    }
    for (const p of report.problems) log.warn(p);
  }
  if (!args.fix) return report.problems.length > 0 ? ExitCode.degraded : ExitCode.ok;
  if (commands.length === 0) {
    if (!args.json)
      log.info(
        'nothing to fix: every ESP has a boot entry ahead of shells, network boot and firmware fallbacks',
      );
    return ExitCode.ok;
  }
  if (args.test) {
    if (!args.json)
      for (const c of commands) log.info(`would run: efibootmgr ${c.args.map(quote).join(' ')}`);
    return ExitCode.ok;
  }
  for (const c of commands.filter((c) => c.kind === 'create')) {
    await runEfibootmgr(c.args);
    if (!args.json) log.info(`created: efibootmgr ${c.args.map(quote).join(' ')}`);
  }
  // The new entries' numbers are the firmware's choice: read them back before ordering.
  const after = readEntries(paths, machine.esps);
  const missing = after.perEsp.filter((p) => p.entries.length === 0).map((p) => p.esp.device);
  if (missing.length > 0)
    throw new FailureError(
      `efibootmgr ran, but ${missing.join(', ')} still has no boot entry`,
      'check efibootmgr -v and the firmware setup',
    );
  const order = desiredBootOrder(
    after.order,
    after.perEsp.map((p) => p.entries[0]!.num),
  );
  await runEfibootmgr(['--bootorder', formatBootOrder(order)]);
  if (!args.json) log.info(`BootOrder set: ${formatBootOrder(order)}`);
  return ExitCode.ok;
}

/** One efibootmgr call of a fix. */
interface FixCommand {
  kind: 'create' | 'order';
  args: string[];
}

/** What --fix would run: one create per ESP without an entry, then the BootOrder with ESP entries first. */
function planFix(report: EntriesReport): FixCommand[] {
  const commands: FixCommand[] = [];
  const espNums: string[] = [];
  for (const { esp, entries } of report.perEsp) {
    const [best] = entries;
    if (best) {
      espNums.push(hex(best.num));
      continue;
    }
    const mount = esp.mounts[0];
    if (!mount)
      throw new FailureError(
        `cannot create a boot entry for ${esp.device}: it is not mounted, so its boot loader cannot be checked`,
        `mount it (e.g. at /efi1) and run again`,
      );
    const loader = findFileCaseInsensitive(mount, LOADERS);
    if (!loader) {
      throw new FailureError(
        `cannot create a boot entry for ${esp.device}: no boot loader on it (looked for ${LOADERS.join(', ')} under ${mount})`,
        `install one (bootctl --esp-path=${mount} install) or run dualroot-sync, then run again`,
      );
    }
    commands.push({ kind: 'create', args: createEntryArgs(esp, firmwarePath(loader)) });
    espNums.push(`<new:${esp.device}>`);
  }
  const rest = report.order.map(hex).filter((n) => !espNums.includes(n));
  const wanted = [...espNums, ...rest];
  if (
    commands.length > 0 ||
    (report.problems.length > 0 && wanted.join(',') !== report.order.map(hex).join(','))
  ) {
    commands.push({ kind: 'order', args: ['--bootorder', wanted.join(',')] });
  }
  return commands;
}
