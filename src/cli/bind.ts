import { bindRun, guardRun } from '../app/bind.js';
import { ExitCode, type FailureError } from '../core/errors.js';
import {
  type CommonArgs,
  defaultArgs,
  isBareHook,
  parse,
  parser,
  pathsFrom,
  refuseJson,
  testOption,
} from './args.js';
import { pacmanStyle, printHookError } from './hook.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-bind';

interface BindArgs extends CommonArgs {
  check: boolean;
  test: boolean;
  hook: boolean;
  target: string | undefined;
}

/** dualroot-bind's command line, without running it (for its help and the shell completions). */
export async function bindParser(io: Io) {
  return (
    (await parser(PROGRAM, 'Bind-mount the ESP the firmware booted onto /boot (or [bind] target).', io))
      .option('check', {
        type: 'boolean',
        default: false,
        describe: 'change nothing; exit 0 only if the target is the booted ESP',
      })
      .option('test', testOption('print the mount it would make, change nothing'))
      .option('hook', { type: 'boolean', default: false, describe: 'pacman PreTransaction guard mode' })
      .option('target', { type: 'string', describe: 'bind target (default: [bind] target, /boot)' })
      // Accepted only to be refused with a pointer to where the information is (refuseJson in main).
      .hide('json')
  );
}

/** dualroot-bind: bind-mount the booted ESP onto /boot, idempotently, never stacking mounts. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = isBareHook(argv)
    ? { ...defaultArgs(io), check: false, test: false, hook: true, target: undefined }
    : await parse<BindArgs>(await bindParser(io), argv, io);
  if (!args) return ExitCode.ok;
  refuseJson(
    args,
    PROGRAM,
    'its exit code says it all (--check: 0 when the target is the booted ESP); dualroot-status --json reports the bind',
  );
  const log = new Logger(io, PROGRAM, args.quiet);
  const paths = pathsFrom(args, io);
  if (args.hook) return guard(args, paths, io);
  const result = await bindRun(paths, { target: args.target, check: args.check, test: args.test });
  if (result.kind === 'already') log.info(`${result.message} (from ${result.source}); nothing to do`);
  else if (result.kind === 'would-bind')
    log.info(`would run: mount --bind ${result.source} ${result.target}`);
  else log.info(`bound ${result.source} (booted ESP ${result.device}) onto ${result.target}`);
  return ExitCode.ok;
}

/** The pacman guard: abort a transaction that would write kernels into the wrong /boot. */
async function guard(args: BindArgs, paths: ReturnType<typeof pathsFrom>, io: Io): Promise<number> {
  try {
    const skipped = await guardRun(paths, args.target);
    if (skipped) io.stdout(pacmanStyle.note(`Skipped: ${skipped}`));
    return ExitCode.ok;
  } catch (error) {
    const e = error as FailureError;
    printHookError(
      io,
      e.message,
      e.hint,
      `(to turn this check off: [bind] guard = false in ${paths.config})`,
    );
    return ExitCode.failure;
  }
}
