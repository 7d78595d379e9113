import { type WatchControl, watchRun } from '../app/watch.js';
import { IO_CLASSES, type IoClass } from '../core/config.js';
import { ExitCode } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom, refuseJson, testOption } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-watch';

interface WatchArgs extends CommonArgs {
  test: boolean;
  'io-class': IoClass | undefined;
}

/** SIGTERM and SIGINT stop the daemon, SIGHUP reloads its config. */
export function processControl(): WatchControl {
  return {
    attach({ stop, reload }) {
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      process.on('SIGHUP', reload);
      return () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        process.off('SIGHUP', reload);
      };
    },
  };
}

/** dualroot-watch's command line, without running it (for its help and the shell completions). */
export async function watchParser(io: Io) {
  return (
    (
      await parser(
        PROGRAM,
        'Watch the booted ESP and every [sync:NAME] source; sync their destinations shortly after each change.',
        io,
      )
    )
      .option('test', testOption('watch and log what would be synced (dry runs); write nothing'))
      .option('io-class', {
        choices: IO_CLASSES,
        describe: 'I/O class of the rsync runs (ionice -c), instead of [watch] io_class',
      })
      // Accepted only to be refused with a pointer to where the information is (refuseJson in main).
      .hide('json')
  );
}

/** dualroot-watch: the sync daemon; runs until stopped, then exits 0. */
export async function main(
  argv: string[],
  io: Io,
  control: WatchControl = processControl(),
): Promise<number> {
  const args = await parse<WatchArgs>(await watchParser(io), argv, io);
  if (!args) return ExitCode.ok;
  refuseJson(
    args,
    PROGRAM,
    'read $DUALROOT_RUN_DIR/watch-state.json (default /run/dualroot), or run dualroot-status --json',
  );
  await watchRun(pathsFrom(args, io), args.test, new Logger(io, PROGRAM, args.quiet), control, {
    ioClass: args['io-class'],
  });
  return ExitCode.ok;
}
