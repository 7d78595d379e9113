// `PROGRAM completion [bash|zsh|fish]` prints the completion script; `PROGRAM
// --get-yargs-completions WORDS...` is what the bash and zsh scripts run on each Tab. Loaded only
// for those (cli/run.ts), so a normal start, a pacman hook's included, never reads this.
import { basename } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { completionDevices } from '../app/completion.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { systemPaths } from '../sys/paths.js';
import { buildParser } from './args.js';
import { complete, fishScript, zshLine } from './completion-answer.js';
import { commandModel } from './completion-model.js';
import type { Io } from './output.js';
import type { ParserOf } from './run.js';

/** The word the completion scripts pass first. */
export const COMPLETION_KEY = '--get-yargs-completions';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** yargs' own bash or zsh script for a program (its template follows $SHELL when yargs() is made). */
async function yargsScript(program: string, shell: 'bash' | 'zsh'): Promise<string> {
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME };
  process.env.SHELL = `/bin/${shell}`;
  delete process.env.ZSH_NAME;
  let y: Argv;
  try {
    y = yargs().scriptName(program).completion('completion', false);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  let script = '';
  await y.exitProcess(false).parseAsync(['completion'], {}, (_error, _argv, output) => {
    script = output;
  });
  return script;
}

/** Answers a completion request or prints a completion script; `makeParser` is the program's --help parser. */
export async function runCompletion(
  program: string,
  makeParser: ParserOf,
  argv: string[],
  io: Io,
): Promise<number> {
  const model = commandModel(program, '', await makeParser(io), (word, describe, builder) =>
    builder(buildParser(yargs, `${program} ${word}`, describe, io) as unknown as Argv<unknown>),
  );
  if (argv[0] === COMPLETION_KEY) {
    // The zsh script passes COMP_LINE in the environment and wants descriptions; bash's does not.
    // ($SHELL is the login shell, not necessarily the one asking.)
    const zsh = io.env.COMP_LINE !== undefined;
    const offers = complete(model, argv.slice(1), () => completionDevices(systemPaths(io.env)));
    for (const offer of offers) io.stdout(zsh ? zshLine(offer) : offer.value);
    return ExitCode.ok;
  }
  const shell = argv[1] ?? basename(io.env.SHELL ?? 'bash');
  if (shell === 'fish') io.stdout(fishScript(model).trimEnd());
  else if (shell === 'bash' || shell === 'zsh') io.stdout((await yargsScript(program, shell)).trimEnd());
  else
    throw new UsageError(
      `no completion script for shell "${shell}"`,
      `${program} completion ${SHELLS.join('|')}`,
    );
  return ExitCode.ok;
}
