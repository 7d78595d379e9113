import { bootedOf, espMountsOf, readMachine } from '../app/machine.js';
import { decideBind } from '../core/bind.js';
import { ExitCode, FailureError } from '../core/errors.js';
import { loadConfig } from '../sys/config-file.js';
import { bindMount } from '../sys/mount.js';
import { readMountinfo } from '../sys/mountinfo.js';
import { type CommonArgs, parse, parser, pathsFrom, refuseJson } from './args.js';
import { hookSkipReason, pacmanStyle, printHookError } from './hook.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-bind';

interface BindArgs extends CommonArgs {
  check: boolean;
  test: boolean;
  hook: boolean;
  target: string | undefined;
}

/** dualroot-bind: bind-mount the booted ESP onto /boot, idempotently, never stacking mounts. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<BindArgs>(
    parser(PROGRAM, 'Bind-mount the ESP the firmware booted onto /boot (or [bind] target).', io)
      .option('check', {
        type: 'boolean',
        default: false,
        describe: 'change nothing; exit 0 only if the target is the booted ESP',
      })
      .option('test', {
        alias: 't',
        type: 'boolean',
        default: false,
        describe: 'print the mount it would make, change nothing',
      })
      .option('hook', { type: 'boolean', default: false, describe: 'pacman PreTransaction guard mode' })
      .option('target', { type: 'string', describe: 'bind target (default: [bind] target, /boot)' })
      // Accepted only to be refused with a pointer to where the information is (refuseJson below).
      .hide('json'),
    argv,
    io,
  );
  if (!args) return ExitCode.ok;
  refuseJson(
    args,
    PROGRAM,
    'its exit code says it all (--check: 0 when the target is the booted ESP); dualroot-status --json reports the bind',
  );
  const log = new Logger(io, PROGRAM, args.quiet);
  const paths = pathsFrom(args, io);
  if (args.hook) return guard(args, paths, io);
  const config = loadConfig(paths.config);
  const target = args.target ?? config.bind.target;
  const machine = await readMachine(paths);
  const booted = bootedOf(machine);
  if (!booted.esp) {
    throw new FailureError(
      `the booted ESP (PARTUUID ${booted.partUuid}, from ${booted.evidence}) is not present on this machine`,
      'check that its disk is attached (blkid -p)',
    );
  }
  const decision = decideBind(booted.esp, espMountsOf(config, paths), target, machine.mounts);
  if (decision.action === 'refuse') throw new FailureError(decision.message, decision.hint);
  if (decision.action === 'none') {
    log.info(`${decision.message} (from ${decision.source}); nothing to do`);
    return ExitCode.ok;
  }
  if (args.check)
    throw new FailureError(
      `${target} is not mounted; the booted ESP is at ${decision.source}`,
      `run dualroot-bind to bind it`,
    );
  if (args.test) {
    log.info(`would run: mount --bind ${decision.source} ${decision.target}`);
    return ExitCode.ok;
  }
  await bindMount(decision.source, decision.target);
  // Prove it: the mount table must now show the booted ESP on the target.
  const after = decideBind(booted.esp, espMountsOf(config, paths), target, readMountinfo(paths.mountinfo));
  if (after.action !== 'none')
    throw new FailureError(
      `mount --bind ${decision.source} ${target} ran, but ${target} is still not the booted ESP`,
    );
  log.info(`bound ${decision.source} (booted ESP ${booted.esp.device}) onto ${target}`);
  return ExitCode.ok;
}

/** The pacman guard: abort a transaction that would write kernels into the wrong /boot. */
async function guard(args: BindArgs, paths: ReturnType<typeof pathsFrom>, io: Io): Promise<number> {
  const skip = hookSkipReason(paths);
  if (skip) {
    io.stdout(pacmanStyle.note(`Skipped: ${skip}`));
    return ExitCode.ok;
  }
  try {
    const config = loadConfig(paths.config);
    if (!config.bind.guard) {
      io.stdout(pacmanStyle.note(`Skipped: the guard is off ([bind] guard = false in ${config.file})`));
      return ExitCode.ok;
    }
    const target = args.target ?? config.bind.target;
    const machine = await readMachine(paths);
    const booted = bootedOf(machine);
    if (!booted.esp)
      throw new FailureError(`the booted ESP (PARTUUID ${booted.partUuid}) is not present on this machine`);
    const decision = decideBind(booted.esp, espMountsOf(config, paths), target, machine.mounts);
    if (decision.action === 'none') return ExitCode.ok;
    if (decision.action === 'bind') {
      throw new FailureError(
        `${target} is not mounted: a kernel installed now would land on the root filesystem, not on the ESP`,
        `run dualroot-bind (binds ${decision.source} onto ${target}), then retry`,
      );
    }
    throw new FailureError(decision.message, decision.hint);
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
