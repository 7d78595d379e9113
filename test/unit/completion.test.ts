// The completion answers and scripts, from each program's real parser, in-process.
import t from 'tap';
import { main as bind, bindParser } from '../../src/cli/bind.js';
import { main as esp, espParser } from '../../src/cli/esp.js';
import type { Io } from '../../src/cli/output.js';
import { runMain } from '../../src/cli/run.js';
import { main as sync, syncParser } from '../../src/cli/sync.js';
import { main as watch, watchParser } from '../../src/cli/watch.js';

const ENV = { PATH: process.env.PATH };

async function run(
  program: string,
  main: (argv: string[], io: Io) => Promise<number>,
  parserOf: (io: Io) => unknown,
  argv: string[],
  env: NodeJS.ProcessEnv = ENV,
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMain(
    program,
    main,
    argv,
    { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
    parserOf as never,
  );
  return { code, lines: out.join('\n').split('\n').filter(Boolean), stderr: err.join('\n') };
}

/** What bash gets for a command line (the words as COMP_WORDS holds them). */
const ask = (program: string, main: never, parserOf: never, ...words: string[]) =>
  run(program, main, parserOf, ['--get-yargs-completions', program, ...words]);

t.test('options complete from the --help definitions', async (t) => {
  const r = await ask('dualroot-sync', sync as never, syncParser as never, '--te');
  t.equal(r.code, 0, r.stderr);
  t.same(r.lines, ['--test']);
  const all = await ask('dualroot-sync', sync as never, syncParser as never, '--');
  t.same(all.lines.sort(), [
    '--allow-mass-delete',
    '--allow-source-change',
    '--config',
    '--efivars',
    '--help',
    '--hook',
    '--json',
    '--quiet',
    '--test',
    '--verbose',
    '--version',
  ]);
});

t.test('--io-class offers its fixed set, also after bash split --io-class= at the =', async (t) => {
  const w = (...words: string[]) => ask('dualroot-watch', watch as never, watchParser as never, ...words);
  t.same((await w('--io-class', '')).lines, ['idle', 'best-effort', 'realtime']);
  t.same((await w('--io-class', 'be')).lines, ['best-effort']);
  t.same((await w('--io-class', '=', '')).lines, ['idle', 'best-effort', 'realtime']);
  t.same((await w('--io-class=re')).lines, ['--io-class=realtime'], 'one word, as zsh and fish pass it');
  // A value with no fixed set: nothing, so the shell completes file names.
  t.same((await w('--config', '')).lines, []);
  // An option already given is not offered again; hidden --json never is.
  const rest = (await w('--test', '--')).lines;
  t.notOk(rest.includes('--test'));
  t.notOk(rest.includes('--json'));
  t.ok(rest.includes('--io-class'));
});

t.test('dualroot-esp: the entries subcommand and its own options', async (t) => {
  const e = (...words: string[]) => ask('dualroot-esp', esp as never, espParser as never, ...words);
  t.same((await e('')).lines, ['entries']);
  t.same((await e('en')).lines, ['entries']);
  t.same((await e('entries', '--pr')).lines, ['--prune']);
  t.same((await e('--qu')).lines, ['--quiet']);
  t.same((await e('--pr')).lines, [], '--prune belongs to entries only');
  const bindOptions = await ask('dualroot-bind', bind as never, bindParser as never, '');
  t.ok(bindOptions.lines.includes('--check'), 'a program without subcommands offers its options');
});

t.test('zsh gets descriptions (its script passes COMP_LINE); bash gets bare words', async (t) => {
  const zsh = await run(
    'dualroot-sync',
    sync,
    syncParser,
    ['--get-yargs-completions', 'dualroot-sync', '--te'],
    {
      ...ENV,
      COMP_LINE: 'dualroot-sync --te',
    },
  );
  t.same(zsh.lines, ['--test:dry run: list what would be created, updated and deleted; change nothing']);
});

t.test('completion SHELL prints the script; the normal path never sees the word', async (t) => {
  const bash = await run('dualroot-sync', sync, syncParser, ['completion', 'bash']);
  t.match(
    bash.lines.join('\n'),
    /complete -o bashdefault -o default -F _dualroot-sync_yargs_completions dualroot-sync/,
  );
  t.match(bash.lines.join('\n'), /dualroot-sync --get-yargs-completions/);
  const zsh = await run('dualroot-sync', sync, syncParser, ['completion', 'zsh']);
  t.equal(zsh.lines[0], '#compdef dualroot-sync', 'autoloadable from site-functions');
  const fish = (await run('dualroot-watch', watch, watchParser, ['completion', 'fish'])).lines;
  t.ok(
    fish.includes(
      "complete -c dualroot-watch -l io-class -x -a 'idle best-effort realtime' -d 'I/O class of the rsync runs (ionice -c), instead of [watch] io_class'",
    ),
  );
  t.ok(
    fish.includes(
      "complete -c dualroot-watch -s t -s n -l test -l dry-run -d 'watch and log what would be synced (dry runs); write nothing'",
    ),
  );
  const bySHELL = await run('dualroot-sync', sync, syncParser, ['completion'], {
    ...ENV,
    SHELL: '/usr/bin/fish',
  });
  t.equal(bySHELL.lines[1], 'complete -c dualroot-sync -f', 'no argument: the script for $SHELL');
  const unknown = await run('dualroot-sync', sync, syncParser, ['completion', 'tcsh']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /no completion script for shell "tcsh"/);
  // Without its parser (how main is called in tests and by other code) the word is an argument.
  const plain = await runMain('dualroot-sync', sync, ['completion'], {
    env: ENV,
    stdout: () => {},
    stderr: () => {},
  });
  t.equal(plain, 2, 'an unknown argument to dualroot-sync itself');
});
