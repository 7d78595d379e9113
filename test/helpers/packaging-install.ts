// Helpers for the packaging tests: the built bundles, packaging/install.sh into a staging tree,
// and an unprivileged user for makepkg (which refuses to run as root).
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import { defer } from './sim.js';

/** The repository (working tree) the tests run from. */
export const repo = resolve(import.meta.dirname, '../..');

/** Programs install.sh must install (its REQUIRED_PROGRAMS) and those it installs when built. */
export const requiredPrograms = [
  'dualroot-esp',
  'dualroot-bind',
  'dualroot-sync',
  'dualroot-status',
  'dualroot-watch',
  'dualroot-migrate',
  'dual-root-tool',
  'dualroot-disk',
];

/** The programs dist/ holds right now, in install.sh's order. */
export function builtPrograms(): string[] {
  return requiredPrograms.filter((p) => existsSync(join(repo, 'dist', p, 'index.js')));
}

let building: Promise<void> | undefined;

/**
 * Makes sure dist/ has the required bundles. `npm test` builds before tap; a single test file run
 * with `npx tap` may not have, so build once here rather than fail on a missing bundle.
 */
export function ensureBuilt(): Promise<void> {
  building ??= (async () => {
    const built = (p: string) =>
      existsSync(join(repo, 'dist', p, 'index.js')) &&
      existsSync(join(repo, 'dist/completions/fish', `${p}.fish`));
    if (requiredPrograms.every(built)) return;
    await execa('npm', ['run', 'build'], { cwd: repo });
  })();
  return building;
}

/** Runs packaging/install.sh into `destdir` with extra environment (PREFIX, SYSCONFDIR, ...). */
export function runInstall(
  destdir: string,
  env: Record<string, string> = {},
  script = join(repo, 'packaging/install.sh'),
) {
  return execa(script, [], { env: { DESTDIR: destdir, ...env }, reject: false, all: true });
}

/** Every path under `dir` (files, symlinks and directories), relative, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full, { throwIfNoEntry: false });
      out.push(relative(dir, full) + (st?.isDirectory() ? '/' : ''));
      if (st?.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

/** The files (not directories) the install must produce for the given programs, PREFIX=/usr; manSuffix '.gz' for a makepkg package. */
export function expectedFiles(programs: string[], docs: string[], manSuffix = ''): string[] {
  const files = [
    'etc/dualroot/dualroot.conf',
    'usr/share/libalpm/hooks/10-dualroot-guard.hook',
    'usr/share/libalpm/hooks/zzzz-dualroot-sync.hook',
    'usr/lib/systemd/system/dualroot-bind.service',
    // dual-root's unit names: aliases of dualroot's (symlinks, listed through them).
    'usr/lib/systemd/system/bind-mount-efi.service',
    'usr/share/licenses/dualroot/LICENSE',
    'usr/share/doc/dualroot/dualroot.conf.sample',
    'usr/share/dualroot/dualroot.rules.yml',
    ...docs.map((d) => `usr/share/doc/dualroot/${d}`),
    ...readdirSync(join(repo, 'docs/man'))
      .filter((f) => /\.[1-8]$/.test(f))
      .map((f) => `usr/share/man/man${f.slice(-1)}/${f}${manSuffix}`),
  ];
  for (const p of programs) {
    // index.js, package.json and the chunks ncc splits off (yargs, loaded only to parse options).
    const bundle = readdirSync(join(repo, 'dist', p)).map((f) => `usr/lib/dualroot/${p}/${f}`);
    files.push(
      `usr/bin/${p}`,
      ...bundle,
      `usr/share/bash-completion/completions/${p}`,
      `usr/share/zsh/site-functions/_${p}`,
      `usr/share/fish/vendor_completions.d/${p}.fish`,
    );
  }
  if (programs.includes('dualroot-watch'))
    files.push(
      'usr/lib/systemd/system/dualroot-watch.service',
      'usr/lib/systemd/system/dual-root-syncd.service',
    );
  if (programs.includes('dualroot-status'))
    files.push(
      'usr/lib/systemd/system/dualroot-status.service',
      'usr/lib/systemd/system/dualroot-status.timer',
    );
  return files.sort();
}

/** The docs install.sh copies: README.md and docs/*.md. */
export function docFiles(): string[] {
  const docs = readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md'));
  if (existsSync(join(repo, 'README.md'))) docs.push('README.md');
  return docs.sort();
}

/** The unprivileged account makepkg runs as (it refuses root): nobody exists on every Debian/Arch. */
export const builder = { user: 'nobody', uid: 65534, gid: 65534 };

/** A scratch directory owned by the builder, removed at teardown. */
export function builderDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-pkg-'));
  chownSync(dir, builder.uid, builder.gid);
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs a command as the builder with a private HOME (npm and makepkg write there) and exactly the
 * given environment: `env -i` because tap injects NODE_OPTIONS (its process-info loader) into
 * every child, and npm/node under makepkg must not load it.
 */
export function asBuilder(
  file: string,
  args: string[],
  options: { cwd: string; home: string; env?: Record<string, string> },
) {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  // Without this, a program that is not installed shows up as env's "Permission denied" (it stops
  // at the first PATH directory the builder cannot read), which hides the missing package.
  if (!file.includes('/') && !path.split(':').some((dir) => dir !== '' && existsSync(join(dir, file))))
    throw new Error(
      `${file} is not installed (not on PATH ${path}): on Debian, apt-get install ${file} (listed in .ci/debian-packages)`,
    );
  const env = {
    PATH: path,
    HOME: options.home,
    LANG: 'C.UTF-8',
    ...options.env,
  };
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return execa(
    'setpriv',
    [
      `--reuid=${builder.uid}`,
      `--regid=${builder.gid}`,
      '--clear-groups',
      '--',
      'env',
      '-i',
      ...vars,
      file,
      ...args,
    ],
    { cwd: options.cwd, reject: false, all: true },
  );
}

/**
 * makepkg as the builder in `dir` (a builderDir with a PKGBUILD), building in dir/build and writing
 * the package to dir with the extension `pkgext`; `env` adds to makepkg's (SOURCE_DATE_EPOCH, ...).
 */
export function makepkg(dir: string, pkgext: string, env: Record<string, string> = {}) {
  return asBuilder('makepkg', ['--nodeps', '--noconfirm', '--force'], {
    cwd: dir,
    home: dir,
    env: { PKGDEST: dir, PKGEXT: pkgext, BUILDDIR: join(dir, 'build'), ...env },
  });
}
