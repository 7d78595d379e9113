import { DualrootError, ExitCode } from '../core/errors.js';
import { type Io, Logger, processIo } from './output.js';

/** A program: parses argv, does its job, returns its exit code. */
export type Main = (argv: string[], io: Io) => Promise<number>;

/** Runs a program's main and maps errors to exit codes; the one place errors are caught. */
export async function runMain(program: string, main: Main, argv: string[], io: Io): Promise<number> {
  try {
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
export function start(program: string, main: Main): void {
  runMain(program, main, process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
