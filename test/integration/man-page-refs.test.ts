// The man pages in docs/man name only what exists: every program they mention is one the package
// installs, every option written after a program's name (in a command, the synopsis or the OPTIONS
// list) is one that program's parser accepts, and every exit status listed is one of
// src/core/errors.ts's. (man-pages.test.ts checks the other way: --help's options are documented.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import yargs, { type Argv } from 'yargs';
import { buildParser } from '../../src/cli/args.js';
import { bindParser } from '../../src/cli/bind.js';
import { type CommandModel, commandModel } from '../../src/cli/completion-model.js';
import { diskParser } from '../../src/cli/disk.js';
import { espParser } from '../../src/cli/esp.js';
import { legacyToolParser } from '../../src/cli/legacy-tool.js';
import { migrateParser } from '../../src/cli/migrate.js';
import type { Io } from '../../src/cli/output.js';
import { statusParser } from '../../src/cli/status.js';
import { syncParser } from '../../src/cli/sync.js';
import { watchParser } from '../../src/cli/watch.js';
import { ExitCode } from '../../src/core/errors.js';

const repo = join(import.meta.dirname, '../..');
const MAN = join(repo, 'docs/man');
const pages = readdirSync(MAN).filter((name) => /\.[1-8]$/.test(name));
const installed = Object.keys(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).bin as object);

const io: Io = { env: {}, stdout: () => {}, stderr: () => {} };
const PARSERS: Record<string, () => Promise<Argv<unknown>> | Argv<unknown>> = {
  'dualroot-esp': () => espParser(io),
  'dualroot-bind': () => bindParser(io),
  'dualroot-sync': () => syncParser(io),
  'dualroot-status': () => statusParser(io),
  'dualroot-watch': () => watchParser(io),
  'dualroot-migrate': () => migrateParser(io),
  'dualroot-disk': () => diskParser(io),
  'dual-root-tool': () => legacyToolParser() as unknown as Argv<unknown>,
};
/** Spellings a parser does not list as option names: dual-root-tool turns the old `-sd` into --syncd. */
const EXTRA: Record<string, string[]> = { 'dual-root-tool': ['-sd'] };

/** Every spelling a program accepts: its options and their aliases in every subcommand, hidden ones too. */
async function accepted(program: string): Promise<Set<string>> {
  const parser = await (PARSERS[program] as () => Promise<Argv<unknown>>)();
  const model = commandModel(program, '', parser, (word, describe, builder) =>
    builder(buildParser(yargs, `${program} ${word}`, describe, io) as unknown as Argv<unknown>),
  );
  const names = new Set<string>(EXTRA[program] ?? []);
  const walk = (m: CommandModel) => {
    for (const o of m.options) {
      names.add(`--${o.name}`);
      for (const l of o.long) names.add(`--${l}`);
      for (const s of o.short) names.add(`-${s}`);
    }
    m.commands.forEach(walk);
  };
  walk(model);
  const hidden = (parser as unknown as { getOptions(): { hiddenOptions: string[] } }).getOptions()
    .hiddenOptions;
  for (const h of hidden) names.add(h.length === 1 ? `-${h}` : `--${h}`);
  return names;
}

/** A page's lines with roff's escapes, font changes and quotes undone and request names dropped. */
function lines(page: string): { request: string; text: string }[] {
  return readFileSync(join(MAN, page), 'utf8')
    .replace(/\\-/g, '-')
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\[&%]/g, '')
    .split('\n')
    .map((line) => {
      const m = /^\.(\w+)\s*(.*)$/.exec(line);
      return m ? { request: m[1]!, text: m[2]!.replace(/"/g, '') } : { request: '', text: line };
    });
}

/** A program's name as a word: not part of a path, a unit or a file name (dualroot-bind.service). */
const PROGRAM = /(?<![\w/.-])(dualroot-[a-z]+|dual-root-[a-z]+)(?![\w-]|\.\w)/g;
/** What a command's options can be: -x, -sd, --long-name (a value after = is not the name). */
const OPTION = /^\[?(--?[A-Za-z][\w-]*)/;

/** Options written after a program's name on one line, up to where the command ends (punctuation, "then" ...). */
function commandOptions(text: string): { program: string; option: string }[] {
  const found: { program: string; option: string }[] = [];
  for (const m of text.matchAll(PROGRAM)) {
    const rest = text.slice((m.index ?? 0) + m[0].length).split(/[,;|()#]|\s(?:then|or|and|with)\s/)[0] ?? '';
    for (const word of rest.trim().split(/\s+/)) {
      const option = OPTION.exec(word)?.[1];
      if (option) found.push({ program: m[1]!, option });
    }
  }
  return found;
}

/** Whether a program takes an option as written: a name it accepts, or short ones grouped (-st for -s -t). */
function takes(names: Set<string> | undefined, option: string): boolean {
  if (!names) return false;
  if (names.has(option)) return true;
  return /^-[A-Za-z]{2,}$/.test(option) && [...option.slice(1)].every((c) => names.has(`-${c}`));
}

t.test('every program a page names is one the package installs', async (t) => {
  for (const page of pages) {
    const named = new Set(lines(page).flatMap((l) => [...l.text.matchAll(PROGRAM)].map((m) => m[1]!)));
    for (const program of named) t.ok(installed.includes(program), `${page} names ${program}`);
  }
  t.ok(installed.includes('dual-root-tool'), 'dual-root-tool is installed (package.json bin)');
});

t.test("every option written after a program's name is one it accepts", async (t) => {
  const accepts = new Map<string, Set<string>>();
  for (const program of installed) accepts.set(program, await accepted(program));
  t.ok(accepts.get('dualroot-sync')?.has('--hook'), 'hidden options count (dualroot-sync --hook)');
  t.ok(
    accepts.get('dualroot-esp')?.has('--prune'),
    "subcommands' options count (dualroot-esp entries --prune)",
  );
  let checked = 0;
  for (const page of pages) {
    let synopsis: string | undefined;
    let section = '';
    let program: string | undefined;
    let tag = false;
    let intro: string | undefined;
    for (const { request, text } of lines(page)) {
      const uses = commandOptions(text);
      if (request === 'SH') section = text;
      if (request === 'SH' || request === 'PP') intro = undefined;
      // The synopsis: .SY names the program (and a subcommand), each .OP one of its options.
      if (request === 'SY') synopsis = text.trim().split(/\s+/)[0];
      if (request === 'YS') synopsis = undefined;
      if (request === 'OP' && synopsis)
        uses.push({ program: synopsis, option: text.trim().split(/\s+/)[0]! });
      // An OPTIONS list: each item's tag line names the page's program's options; a "PROGRAM:"
      // paragraph lists another's (dual-root-tool's, in dualroot-migrate(8)).
      program = intro ?? /^(dualroot-[a-z]+)\.8$/.exec(page)?.[1];
      if (section === 'OPTIONS' && program && uses.length === 0 && (tag || intro))
        for (const word of text.split(/[\s,;]+/)) {
          const option = /^(--?[A-Za-z][\w-]*)/.exec(word)?.[1];
          if (option) uses.push({ program, option });
        }
      const introduces = /^(dualroot-[a-z]+|dual-root-[a-z]+):$/.exec(text.trim());
      if (section === 'OPTIONS' && introduces) intro = introduces[1];
      tag = request === 'TP' || request === 'TQ';
      for (const { program, option } of uses) {
        checked += 1;
        t.ok(
          takes(accepts.get(program), option),
          `${page} [${section}]: ${program} ${option} (in "${text}")`,
        );
      }
    }
  }
  t.ok(checked > 100, `checked ${checked} options`);
});

t.test('every exit status a page lists is one dualroot uses', async (t) => {
  const codes = Object.values(ExitCode).map(String);
  for (const page of pages) {
    const listed: string[] = [];
    let section = '';
    let afterTp = false;
    for (const { request, text } of lines(page)) {
      if (request === 'SH') section = text;
      if (section === 'EXIT STATUS' && afterTp && request === 'B') listed.push(text.trim());
      afterTp = request === 'TP';
    }
    for (const code of listed) t.ok(codes.includes(code), `${page} lists exit status ${code}`);
    if (page === 'dualroot.7') t.same(listed, codes, 'dualroot(7) lists every exit status, in order');
  }
});
