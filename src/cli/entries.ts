import { applyFix, entriesRun } from '../app/entries.js';
import { formatBootNumber as hex } from '../core/efivars.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom, testOption } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-esp entries';

interface EntriesArgs extends CommonArgs {
  fix: boolean;
  test: boolean;
}

const quote = (arg: string) => (/^[\w./,:=@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);

/** dualroot-esp entries' command line, without running it (for its help and the shell completions). */
export function entriesParser(io: Io) {
  return parser(
    PROGRAM,
    "List each ESP's firmware boot entry and its BootOrder position; --fix creates missing entries with efibootmgr and puts the ESP entries first.",
    io,
  )
    .option('fix', {
      type: 'boolean',
      default: false,
      describe: 'create missing entries and put the ESP entries first in BootOrder',
    })
    .option('test', testOption('with --fix: print the efibootmgr commands, run nothing'));
}

/** dualroot-esp entries: list each ESP's boot entry and BootOrder position; --fix creates the missing ones. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<EntriesArgs>(entriesParser(io), argv, io);
  if (!args) return ExitCode.ok;
  if (args.test && !args.fix)
    throw new UsageError(
      '--test only applies to --fix',
      'dualroot-esp entries --fix --test prints the efibootmgr commands; without --fix nothing is written anyway',
    );
  const log = new Logger(io, 'dualroot-esp', args.quiet);
  const paths = pathsFrom(args, io);
  const { esps, report, commands } = await entriesRun(paths, args.fix);
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
  const order = await applyFix(paths, esps, commands, (c) => {
    if (!args.json) log.info(`created: efibootmgr ${c.args.map(quote).join(' ')}`);
  });
  if (!args.json) log.info(`BootOrder set: ${order}`);
  return ExitCode.ok;
}
