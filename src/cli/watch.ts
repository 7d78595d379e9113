import { ExitCode } from '../core/errors.js';
import { loadConfig } from '../sys/config-file.js';
import { type CommonArgs, parse, parser, pathsFrom, refuseJson } from './args.js';
import { type Io, Logger } from './output.js';
import { type DaemonEvent, WatchDaemon } from './watch-daemon.js';

const PROGRAM = 'dualroot-watch';

interface WatchArgs extends CommonArgs {
  test: boolean;
}

/** How the daemon is told to stop or reload: process signals, or a test's own triggers. */
export interface WatchControl {
  /** Registers the handlers; returns a function that unregisters them. */
  attach(handlers: { stop: () => void; reload: () => void }): () => void;
  onEvent?: (event: DaemonEvent) => void;
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

/** dualroot-watch: the sync daemon; runs until stopped, then exits 0. */
export async function main(
  argv: string[],
  io: Io,
  control: WatchControl = processControl(),
): Promise<number> {
  const args = await parse<WatchArgs>(
    parser(
      PROGRAM,
      'Watch the booted ESP and every [sync:NAME] source; sync their destinations shortly after each change.',
      io,
    )
      .option('test', {
        alias: 't',
        type: 'boolean',
        default: false,
        describe: 'watch and log what would be synced (dry runs); write nothing',
      })
      // Accepted only to be refused with a pointer to where the information is (refuseJson below).
      .hide('json'),
    argv,
    io,
  );
  if (!args) return ExitCode.ok;
  refuseJson(
    args,
    PROGRAM,
    'read $DUALROOT_RUN_DIR/watch-state.json (default /run/dualroot), or run dualroot-status --json',
  );
  const paths = pathsFrom(args, io);
  const log = new Logger(io, PROGRAM, args.quiet);
  const daemon = new WatchDaemon({
    config: loadConfig(paths.config),
    paths,
    dryRun: args.test,
    log,
    reloadConfig: () => loadConfig(paths.config),
    onEvent: control.onEvent,
  });
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let reloads = Promise.resolve();
  const detach = control.attach({
    stop: () => stopRequested(),
    reload: () => {
      reloads = reloads.then(() => daemon.reload());
    },
  });
  try {
    await Promise.race([daemon.start(), stopped]);
    await stopped;
    await reloads;
  } finally {
    // Also when starting failed: no watch, timer or sync may outlive main.
    await daemon.stop();
    detach();
  }
  return ExitCode.ok;
}
