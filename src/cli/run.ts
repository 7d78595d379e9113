import type { Argv } from 'yargs';
import { ConfigError, DualrootError, ExitCode } from '../core/errors.js';
import { type Io, Logger, processIo } from './output.js';

/** A program: parses argv, does its job, returns its exit code. */
export type Main = (argv: string[], io: Io) => Promise<number>;

/** A program's --help parser, built without running it: what its shell completions are made of. */
export type ParserOf = (io: Io) => Argv<unknown> | Promise<Argv<unknown>>;

/** `completion [SHELL]` or the Tab-press request of the completion scripts (cli/completion.ts). */
const isCompletion = (argv: string[]) => argv[0] === 'completion' || argv[0] === '--get-yargs-completions';

/** True when the command line asks for JSON (the last --json/--no-json wins, as yargs reads it). */
export function jsonRequested(argv: string[]): boolean {
  let json = false;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--json' || arg === '--json=true') json = true;
    if (arg === '--no-json' || arg === '--json=false') json = false;
  }
  return json;
}

/** The JSON object printed for a failure under --json: what, the fix, the exit code, and where. */
export function errorJson(program: string, error: unknown, exitCode: number): string {
  const known = error instanceof DualrootError;
  // By exit code, not class name: the bundles' minifier renames classes.
  const kind =
    error instanceof ConfigError
      ? 'config'
      : !known
        ? 'unexpected'
        : ({ [ExitCode.usage]: 'usage', [ExitCode.degraded]: 'degraded' }[exitCode] ?? 'failure');
  const place =
    error instanceof ConfigError
      ? { file: error.file, line: error.line ?? null, section: error.section ?? null, key: error.key ?? null }
      : {};
  const body = {
    error: {
      program,
      kind,
      message: error instanceof Error ? error.message : String(error),
      fix: (known && error.hint) || null,
      exitCode,
      ...place,
    },
  };
  return JSON.stringify(body, null, 2);
}

/** A system error (ENOENT, EACCES, ...) carries its own clear message; a stack would only hide it. */
const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;

/**
 * Runs a program's main and maps errors to exit codes; the one place errors are caught. A
 * completion request loads the completion code; every other run only pays the check above.
 */
export async function runMain(
  program: string,
  main: Main,
  argv: string[],
  io: Io,
  parserOf?: ParserOf,
): Promise<number> {
  try {
    if (parserOf && isCompletion(argv)) {
      const { runCompletion } = await import('./completion.js');
      return await runCompletion(program, parserOf, argv, io);
    }
    return await main(argv, io);
  } catch (error) {
    const log = new Logger(io, program);
    const exitCode = error instanceof DualrootError ? error.exitCode : ExitCode.failure;
    if (jsonRequested(argv)) io.stdout(errorJson(program, error, exitCode));
    if (error instanceof DualrootError) {
      log.error(error.message);
      if (error.hint) log.error(`fix: ${error.hint}`);
    } else if (isSystemError(error)) log.error(`unexpected failure: ${error.message}`);
    else log.error(`unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return exitCode;
  }
}

/** Entry point for src/bin: run with the real process and set its exit code. */
export function start(program: string, main: Main, parserOf?: ParserOf): void {
  runMain(program, main, process.argv.slice(2), processIo(), parserOf).then((code) => {
    process.exitCode = code;
  });
}
