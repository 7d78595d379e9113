import type { Argv, Options } from 'yargs';
import { UsageError } from '../core/errors.js';
import { type SystemPaths, systemPaths } from '../sys/paths.js';
import type { Io } from './output.js';
import { VERSION } from './version.js';

/** Options every program takes. */
export interface CommonArgs {
  /** Undefined unless given: then the file must exist (see SystemPaths.configRequired). */
  config: string | undefined;
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
      defaultDescription: defaults.config,
      describe: 'config file (env DUALROOT_CONFIG); one named here must exist',
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
    .version(VERSION)
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
  return { config: undefined, efivars: defaults.efivars, json: false, quiet: false };
}

/** The dry-run switch of every program that has one: rsync's names for it are aliases. */
export function testOption(describe: string) {
  return {
    alias: ['t', 'n', 'dry-run'],
    type: 'boolean',
    default: false,
    describe,
  } as const satisfies Options;
}

/** The system paths with the command-line overrides applied. */
export function pathsFrom(args: CommonArgs, io: Io): SystemPaths {
  const env = systemPaths(io.env);
  return {
    ...env,
    config: args.config ?? env.config,
    configRequired: args.config !== undefined || env.configRequired === true,
    efivars: args.efivars,
  };
}

/**
 * Refuses a value on a boolean option other than true or false: yargs reads --test=yes, --test=1
 * and -t1 as false, and a dry run asked for that way would write.
 */
export function checkBooleans(p: Argv<unknown>, argv: string[]): void {
  const { boolean } = (p as unknown as { getOptions(): { boolean: string[] } }).getOptions();
  const flags = new Set(boolean);
  for (const arg of argv) {
    if (arg === '--') return;
    const long = /^--(?:no-)?([^=]+)=(.*)$/s.exec(arg);
    if (long && flags.has(long[1]!) && long[2] !== 'true' && long[2] !== 'false')
      throw new UsageError(
        `${arg}: --${long[1]} is a switch and takes no value`,
        `write --${long[1]} to turn it on (or leave it out)`,
      );
    const short = /^-([^-].*)$/s.exec(arg);
    if (short && flags.has(short[1]![0]!)) {
      const letters = [...short[1]!];
      const bad = letters.find((c) => !flags.has(c));
      if (bad !== undefined)
        throw new UsageError(
          `${arg}: -${letters[0]} is a switch and takes no value`,
          `write -${letters[0]} alone (switches combine only with switches, as in -tq)`,
        );
    }
  }
}

/** Output for --help must go through Io too; yargs writes it itself, so capture via this. */
export async function parse<T>(p: Argv<T>, argv: string[], io: Io): Promise<T | undefined> {
  checkBooleans(p as Argv<unknown>, argv);
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
