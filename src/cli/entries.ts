import type { Argv } from 'yargs';
import { applyFix, entriesRun } from '../app/entries.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom, testOption } from './args.js';
import { commandLine, entriesJson, printEntries } from './entries-print.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-esp entries';

interface EntriesArgs extends CommonArgs {
  fix: boolean;
  prune: boolean;
  test: boolean;
}

const DESCRIPTION =
  'List every firmware boot entry (Boot####): the partition and ESP it starts, its loader, its BootOrder position, whether it is stale; --fix creates missing entries and puts the ESP entries first, --prune removes stale ones.';

/** The options entries adds to the shared ones (also dualroot-esp's `entries` command builder). */
export function entriesOptions<T>(y: Argv<T>) {
  return y
    .option('fix', {
      type: 'boolean',
      default: false,
      describe: 'create missing entries and put the ESP entries first in BootOrder',
    })
    .option('prune', {
      type: 'boolean',
      default: false,
      describe:
        'with --fix: also remove stale entries (a partition no disk has) that start a loader dualroot installs',
    })
    .option('test', testOption('with --fix: print the efibootmgr commands, run nothing'));
}

/** dualroot-esp entries' command line, without running it (for its help and the shell completions). */
export async function entriesParser(io: Io) {
  return entriesOptions(await parser(PROGRAM, DESCRIPTION, io));
}

/** dualroot-esp entries: list each ESP's boot entry and BootOrder position; --fix creates the missing ones. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<EntriesArgs>(await entriesParser(io), argv, io);
  if (!args) return ExitCode.ok;
  if (args.test && !args.fix)
    throw new UsageError(
      '--test only applies to --fix',
      'dualroot-esp entries --fix --test prints the efibootmgr commands; without --fix nothing is written anyway',
    );
  if (args.prune && !args.fix)
    throw new UsageError(
      '--prune only applies to --fix',
      'dualroot-esp entries lists the stale entries; dualroot-esp entries --fix --prune --test shows what removing them runs',
    );
  const log = new Logger(io, 'dualroot-esp', args.quiet);
  const paths = pathsFrom(args, io);
  const { disks, report, commands } = await entriesRun(paths, { fix: args.fix, prune: args.prune });
  if (args.json) log.data(JSON.stringify(entriesJson(report, commands), null, 2));
  else printEntries(log, report);
  if (!args.fix) return report.problems.length > 0 ? ExitCode.degraded : ExitCode.ok;
  if (commands.length === 0) {
    if (!args.json)
      log.info(
        `nothing to fix: every ESP has a boot entry ahead of shells, network boot and firmware fallbacks${args.prune ? ', and no stale entry starts a loader dualroot installs' : ''}`,
      );
    return ExitCode.ok;
  }
  if (args.test) {
    if (!args.json) for (const c of commands) log.info(`would run: ${commandLine(c.args)}`);
    return ExitCode.ok;
  }
  const order = await applyFix(paths, disks, commands, (c) => {
    if (!args.json) log.info(`${c.kind === 'delete' ? 'deleted' : 'created'}: ${commandLine(c.args)}`);
  });
  if (!args.json && order) log.info(`BootOrder set: ${order}`);
  return ExitCode.ok;
}
