import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { type SystemPaths, systemPaths } from '../sys/paths.js';
import type { Io } from './output.js';

/** Options every program takes. */
export interface CommonArgs {
  config: string;
  efivars: string;
  json: boolean;
  quiet: boolean;
}

/**
 * A yargs parser with the shared options; usage errors become UsageError (exit 2). yargs is
 * loaded here, when a command line is parsed, not when the program starts: the pacman hooks'
 * bare `--hook` never parses one, and yargs' load was a third of each hook's start-up.
 */
export async function parser(program: string, description: string, io: Io): Promise<Argv<CommonArgs>> {
  const { default: yargs } = await import('yargs');
  return buildParser(yargs, program, description, io);
}

/** The shared options on a yargs made by `make`: for code that has yargs loaded already (completions). */
export function buildParser(
  make: typeof import('yargs').default,
  program: string,
  description: string,
  io: Io,
): Argv<CommonArgs> {
  const yargs = make;
  const defaults = systemPaths(io.env);
  return yargs()
    .scriptName(program)
    .usage(`$0 [options]\n\n${description}`)
    .env(false)
    .option('config', {
      type: 'string',
      default: defaults.config,
      describe: 'config file (env DUALROOT_CONFIG)',
    })
    .option('efivars', {
      type: 'string',
      default: defaults.efivars,
      describe: 'efivarfs directory (env DUALROOT_EFIVARS)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for programs' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only problems' })
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message, `see ${program} --help`);
    }) as unknown as Argv<CommonArgs>;
}

/**
 * Is this exactly what pacman runs (`dualroot-bind --hook`, `dualroot-sync --hook`)? Then the
 * program takes `defaultArgs` and never loads yargs: every transaction pays each hook's start-up.
 */
export function isBareHook(argv: string[]): boolean {
  return argv.length === 1 && argv[0] === '--hook';
}

/** The shared options as yargs gives them with nothing on the command line. */
export function defaultArgs(io: Io): CommonArgs {
  const defaults = systemPaths(io.env);
  return { config: defaults.config, efivars: defaults.efivars, json: false, quiet: false };
}

/** The system paths with the command-line overrides applied. */
export function pathsFrom(args: CommonArgs, io: Io): SystemPaths {
  return { ...systemPaths(io.env), config: args.config, efivars: args.efivars };
}

/** Output for --help must go through Io too; yargs writes it itself, so capture via this. */
export async function parse<T>(p: Argv<T>, argv: string[], io: Io): Promise<T | undefined> {
  let help = '';
  const args = await p.exitProcess(false).parseAsync(argv, {}, (_err, _argv, output) => {
    help = output;
  });
  if (help) {
    io.stdout(help);
    return undefined;
  }
  return args as T;
}

/** For a program without JSON output: --json is a usage error that says where the information is instead. */
export function refuseJson(args: CommonArgs, program: string, instead: string): void {
  if (args.json) throw new UsageError(`${program} has no JSON output`, instead);
}
