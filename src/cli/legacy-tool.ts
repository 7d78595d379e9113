import yargs from 'yargs';
import { legacyConfigChoice } from '../app/legacy-tool.js';
import type { WatchControl } from '../app/watch.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { type LegacyArgs, newCommands, normaliseLegacyArgv } from '../core/legacy-tool.js';
import { systemPaths } from '../sys/paths.js';
import { parse } from './args.js';
import { main as bind } from './bind.js';
import { main as esp } from './esp.js';
import type { Io } from './output.js';
import { main as sync } from './sync.js';
import { main as watch } from './watch.js';

const PROGRAM = 'dual-root-tool';
const MAINS = { 'dualroot-esp': esp, 'dualroot-bind': bind, 'dualroot-sync': sync, 'dualroot-watch': watch };

interface ToolArgs extends LegacyArgs {
  conf: string | undefined;
}

/** dual-root-tool's old command line (dual-root 3.6), without running it. */
export function legacyToolParser() {
  return yargs()
    .scriptName(PROGRAM)
    .usage(
      `${PROGRAM} [-b] [-s] [-sd] [-t] [-q] [-c FILE] [MOUNT]\n\nThe old dual-root command line, kept for scripts and units: runs the dualroot program that does the job (no option: dualroot-esp).`,
    )
    .env(false)
    .command('$0 [mount]', false, (y) =>
      y.positional('mount', { type: 'string', describe: 'where -b binds the booted ESP (default /boot)' }),
    )
    .option('bind', { alias: 'b', type: 'boolean', default: false, describe: 'dualroot-bind' })
    .option('sync', { alias: 's', type: 'boolean', default: false, describe: 'dualroot-sync' })
    .option('syncd', { type: 'boolean', default: false, describe: '(-sd) dualroot-watch' })
    .option('test', { alias: 't', type: 'boolean', default: false, describe: 'their --test' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'their --quiet' })
    .option('conf', {
      alias: ['c', 'config-file'],
      type: 'string',
      describe: "the old sync-daemon.conf, read through dualroot-migrate's translation",
    })
    .strict()
    .help()
    .version(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message, `see ${PROGRAM} --help`);
    });
}

/** dual-root-tool: runs the new programs' mains in-process, saying once which it ran (control: the daemon's signals, for tests). */
export async function main(argv: string[], io: Io, control?: WatchControl): Promise<number> {
  const args = (await parse(legacyToolParser(), normaliseLegacyArgv(argv), io)) as ToolArgs | undefined;
  if (!args) return ExitCode.ok;
  const paths = systemPaths(io.env);
  const choice = args.bind || args.sync || args.syncd ? legacyConfigChoice(paths, args.conf) : undefined;
  const commands = newCommands(args, choice?.config ?? paths.config);
  io.stderr(
    `${PROGRAM}: running ${commands.map((c) => [c.program, ...c.argv].join(' ')).join(', then ')} (see /usr/share/doc/dualroot/migrating.md)`,
  );
  if (choice?.note) io.stderr(`${PROGRAM}: note: ${choice.note}`);
  for (const command of commands) {
    const code =
      command.program === 'dualroot-watch' && control
        ? await watch(command.argv, io, control)
        : await MAINS[command.program](command.argv, io);
    if (code !== ExitCode.ok) return code;
  }
  return ExitCode.ok;
}
