import type { Argv } from 'yargs';
import { DualrootError, ExitCode } from '../core/errors.js';
import { type Io, Logger, processIo } from './output.js';

/** A program: parses argv, does its job, returns its exit code. */
export type Main = (argv: string[], io: Io) => Promise<number>;

/** A program's --help parser, built without running it: what its shell completions are made of. */
export type ParserOf = (io: Io) => Argv<unknown> | Promise<Argv<unknown>>;

/** `completion [SHELL]` or the Tab-press request of the completion scripts (cli/completion.ts). */
const isCompletion = (argv: string[]) => argv[0] === 'completion' || argv[0] === '--get-yargs-completions';

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
    if (error instanceof DualrootError) {
      log.error(error.message);
      if (error.hint) log.error(`fix: ${error.hint}`);
      return error.exitCode;
    }
    log.error(`unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return ExitCode.failure;
  }
}

/** Entry point for src/bin: run with the real process and set its exit code. */
export function start(program: string, main: Main, parserOf?: ParserOf): void {
  runMain(program, main, process.argv.slice(2), processIo(), parserOf).then((code) => {
    process.exitCode = code;
  });
}
