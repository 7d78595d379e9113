// The planned commands of dualroot-disk: run as the plan printed them, failing with that command's own words.
import { execa } from 'execa';
import { FailureError } from '../core/errors.js';

/** Runs one planned command (argv[0] is the program), optionally with stdin; throws naming it and its message when it fails. */
export async function runPlannedCommand(argv: string[], input?: string): Promise<string> {
  const [program, ...args] = argv;
  if (!program) throw new Error('runPlannedCommand: empty command');
  const result = await execa(program, args, { reject: false, ...(input === undefined ? {} : { input }) });
  if (result.exitCode !== 0) {
    // One line: the message goes into "step N failed: ..." and the journal.
    const detail = (
      String(result.stderr).trim() ||
      String(result.stdout).trim() ||
      String(result.shortMessage)
    ).replace(/\s*\n\s*/g, ' ');
    throw new FailureError(`${argv.join(' ')} failed (exit ${result.exitCode ?? '?'}): ${detail}`);
  }
  return String(result.stdout);
}
