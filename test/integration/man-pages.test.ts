// The man pages in docs/man: each renders with groff without a warning, has the sections its kind
// needs, and documents every long option its program's --help lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as bind } from '../../src/cli/bind.js';
import { main as disk } from '../../src/cli/disk.js';
import { main as esp } from '../../src/cli/esp.js';
import { main as migrate } from '../../src/cli/migrate.js';
import type { Main } from '../../src/cli/run.js';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { main as watch } from '../../src/cli/watch.js';
import { runProgram } from '../helpers/sim.js';

const MAN = join(import.meta.dirname, '../../docs/man');

/** The pages install.sh installs: docs/man/*.[1-8]. */
const pages = readdirSync(MAN)
  .filter((name) => /\.[1-8]$/.test(name))
  .sort();

/** Every page the project promises: one per program, the config file, the overview. */
const EXPECTED = [
  'dualroot-bind.8',
  'dualroot-disk.8',
  'dualroot-esp.8',
  'dualroot-migrate.8',
  'dualroot-status.8',
  'dualroot-sync.8',
  'dualroot-watch.8',
  'dualroot.7',
  'dualroot.conf.5',
];

/** Each program's --help, run in-process, and the page that must document it. */
const PROGRAMS: { program: string; main: Main; argv: string[]; page: string }[] = [
  { program: 'dualroot-esp', main: esp, argv: ['--help'], page: 'dualroot-esp.8' },
  { program: 'dualroot-esp entries', main: esp, argv: ['entries', '--help'], page: 'dualroot-esp.8' },
  { program: 'dualroot-bind', main: bind, argv: ['--help'], page: 'dualroot-bind.8' },
  { program: 'dualroot-sync', main: sync, argv: ['--help'], page: 'dualroot-sync.8' },
  { program: 'dualroot-status', main: status, argv: ['--help'], page: 'dualroot-status.8' },
  { program: 'dualroot-watch', main: watch, argv: ['--help'], page: 'dualroot-watch.8' },
  { program: 'dualroot-migrate', main: migrate, argv: ['--help'], page: 'dualroot-migrate.8' },
  { program: 'dualroot-disk', main: disk, argv: ['--help'], page: 'dualroot-disk.8' },
];

/** The page's text with roff's escaped dashes and font changes undone, for plain searches. */
function plainSource(page: string): string {
  return readFileSync(join(MAN, page), 'utf8')
    .replace(/\\-/g, '-')
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\[&%]/g, '');
}

/** The names of each option of a yargs --help, one list per option line ("  -t, -n, --test, --dry-run  ..."). */
function optionNames(help: string): string[][] {
  return [...help.matchAll(/^\s+((?:--?[\w-]+, )*--[\w-]+)/gm)].map((m) => m[1]!.split(', '));
}

/** The long options of a yargs --help. */
function longOptions(help: string): string[] {
  return optionNames(help).flatMap((names) => names.filter((n) => n.startsWith('--')).map((n) => n.slice(2)));
}

t.test('docs/man holds every expected page, and only pages install.sh installs', async (t) => {
  t.same(pages, EXPECTED);
});

for (const page of pages) {
  t.test(`${page} renders with groff -man -ww without warnings`, async (t) => {
    const result = await execa('groff', ['-man', '-Tutf8', '-ww', '-z', join(MAN, page)], {
      reject: false,
    });
    t.equal(result.exitCode, 0, String(result.stderr));
    t.equal(String(result.stderr), '', 'no warnings on stderr');
  });

  t.test(`${page} has a matching .TH and the usual sections`, async (t) => {
    const text = plainSource(page);
    const [, name, section] = page.match(/^(.*)\.([1-8])$/)!;
    const th = text.match(/^\.TH (\S+) (\d)/m);
    t.ok(th, 'has a .TH line');
    t.equal(th?.[1], name!.toUpperCase(), '.TH title is the page name');
    t.equal(th?.[2], section, '.TH section is the file suffix');
    const sections = [...text.matchAll(/^\.SH "?([^"\n]+)"?$/gm)].map((m) => m[1]!);
    const required = ['NAME', 'DESCRIPTION', 'FILES', 'SEE ALSO'];
    if (section === '8') required.push('SYNOPSIS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'EXAMPLES');
    for (const s of required) t.ok(sections.includes(s), `has ${s}`);
    t.match(text, new RegExp(`^\\.SH NAME\\n${name!.replace(/[.]/g, '\\.')} - `, 'm'), 'NAME line');
  });
}

for (const { program, main, argv, page } of PROGRAMS) {
  t.test(`${page} documents every long option of ${program} --help`, async (t) => {
    const help = await runProgram(main, program, argv, { PATH: process.env.PATH });
    t.equal(help.code, 0, help.stderr);
    const options = longOptions(help.stdout);
    t.ok(options.includes('config') && options.includes('help'), `parsed the options of ${program}`);
    const text = plainSource(page);
    for (const option of options) {
      t.ok(new RegExp(`--${option}(?![\\w-])`).test(text), `--${option} is in ${page}`);
    }
    // Aliases are documented together, on the option's own line: ".BR -t , -n , --test , --dry-run".
    const lines = text.split('\n');
    for (const names of optionNames(help.stdout).filter((n) => n.length > 1)) {
      const together = lines.some((line) =>
        names.every((n) => new RegExp(`(^|[\\s",])${n}(?![\\w-])`).test(line)),
      );
      t.ok(together, `${names.join(', ')} are documented together in ${page}`);
    }
  });
}

t.test('every dualroot page a page refers to exists', async (t) => {
  for (const page of pages) {
    const refs = new Set(
      [...plainSource(page).matchAll(/(dualroot[\w.-]*) ?\(([1-8])\)/g)].map((m) => `${m[1]}(${m[2]})`),
    );
    for (const ref of refs) {
      const [, name, section] = ref.match(/^(.*)\((\d)\)$/)!;
      t.ok(pages.includes(`${name}.${section}`), `${page} refers to ${ref}`);
    }
  }
});
