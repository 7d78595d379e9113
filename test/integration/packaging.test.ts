// packaging/install.sh (the layout), the sample config, and the PKGBUILD built by real makepkg
// from the working tree.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { defaultConfig, parseConfig } from '../../src/core/config.js';
import { bsdtarEntries, packageProblems } from '../helpers/namcap.js';
import {
  asBuilder,
  builderDir,
  builtPrograms,
  docFiles,
  ensureBuilt,
  expectedFiles,
  listTree,
  makepkg,
  repo,
  requiredPrograms,
  runInstall,
} from '../helpers/packaging-install.js';
import { scratch } from '../helpers/sim.js';

const pkgver = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version as string;

t.before(ensureBuilt);

/** A copy of the parts of the source tree install.sh reads, with only some bundles built. */
function fakeSource(dir: string, programs: string[]): string {
  const src = join(dir, 'src');
  for (const part of ['packaging', 'hooks', 'units', 'docs', 'LICENSE']) {
    cpSync(join(repo, part), join(src, part), { recursive: true });
  }
  for (const p of programs) {
    cpSync(join(repo, 'dist', p), join(src, 'dist', p), { recursive: true });
    for (const c of [`bash/${p}`, `zsh/_${p}`, `fish/${p}.fish`])
      cpSync(join(repo, 'dist/completions', c), join(src, 'dist/completions', c));
  }
  return src;
}

t.test('install.sh lays out the programs, hooks, units, config, docs and license', async (t) => {
  const dest = join(scratch(t), 'dest');
  const r = await runInstall(dest);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  const programs = builtPrograms();
  t.strictSame(
    listTree(dest).filter((p) => !p.endsWith('/')),
    expectedFiles(programs, docFiles()),
    'exactly the expected files',
  );
  for (const p of programs) {
    const wrapper = join(dest, 'usr/bin', p);
    t.equal(statSync(wrapper).mode & 0o7777, 0o755, `${p} is executable`);
    const launcher = readFileSync(wrapper, 'utf8');
    t.ok(launcher.startsWith('#!/usr/bin/node\n'), `${p} runs with an absolute node`);
    t.match(launcher, `import('/usr/lib/dualroot/${p}/index.js');`, `${p} loads its bundle`);
    t.notMatch(launcher, /@[A-Z]+@/, 'every placeholder filled in');
    // The installed bundle, not the one in dist/, must start (ESM package.json came along).
    const help = await execa('node', [join(dest, 'usr/lib/dualroot', p, 'index.js'), '--help'], {
      reject: false,
    });
    t.equal(help.exitCode, 0, `installed ${p} runs`, { stderr: help.stderr });
  }
  const conf = statSync(join(dest, 'etc/dualroot/dualroot.conf'));
  t.equal(conf.mode & 0o777, 0o644, 'config is not group/other-writable (dualroot refuses that)');
  for (const hook of ['10-dualroot-guard.hook', 'zzzz-dualroot-sync.hook']) {
    t.equal(
      readFileSync(join(dest, 'usr/share/libalpm/hooks', hook), 'utf8'),
      readFileSync(join(repo, 'hooks', hook), 'utf8'),
      `${hook} is installed unchanged with PREFIX=/usr`,
    );
  }
});

t.test('install.sh fails clearly and writes nothing when a required program is not built', async (t) => {
  const dir = scratch(t);
  const src = fakeSource(dir, ['dualroot-esp', 'dualroot-sync']);
  const dest = join(dir, 'dest');
  const r = await runInstall(dest, {}, join(src, 'packaging/install.sh'));
  t.not(r.exitCode, 0, 'install fails');
  t.match(
    r.stderr,
    /dist\/dualroot-bind\/index\.js is missing: run 'npm ci && npm run build'/,
    'says what and how',
  );
  t.notOk(existsSync(dest), 'nothing was installed');
});

t.test('install.sh fails clearly and writes nothing when a completion script was not built', async (t) => {
  const dir = scratch(t);
  const src = fakeSource(dir, requiredPrograms);
  rmSync(join(src, 'dist/completions/zsh/_dualroot-watch'));
  const dest = join(dir, 'dest');
  const r = await runInstall(dest, {}, join(src, 'packaging/install.sh'));
  t.not(r.exitCode, 0, 'install fails');
  t.match(r.stderr, /dist\/completions\/zsh\/_dualroot-watch is missing: run 'npm ci && npm run build'/);
  t.notOk(existsSync(dest), 'nothing was installed');
});

t.test('install.sh refuses a built program it does not know', async (t) => {
  const dir = scratch(t);
  const src = fakeSource(dir, requiredPrograms);
  mkdirSync(join(src, 'dist/dualroot-new'), { recursive: true });
  writeFileSync(join(src, 'dist/dualroot-new/index.js'), '');
  const r = await runInstall(join(dir, 'dest'), {}, join(src, 'packaging/install.sh'));
  t.not(r.exitCode, 0, 'install fails');
  t.match(r.stderr, /dist\/dualroot-new is not in install\.sh's program lists/);
});

t.test('install.sh with PREFIX=/usr/local points hooks and units at it', async (t) => {
  const dest = join(scratch(t), 'dest');
  const r = await runInstall(dest, { PREFIX: '/usr/local' });
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  // pacman reads hooks only from /usr/share/libalpm/hooks and /etc/pacman.d/hooks.
  const hook = readFileSync(join(dest, 'etc/pacman.d/hooks/zzzz-dualroot-sync.hook'), 'utf8');
  t.match(hook, /^Exec = \/usr\/local\/bin\/dualroot-sync --hook$/m);
  const unit = readFileSync(join(dest, 'usr/local/lib/systemd/system/dualroot-bind.service'), 'utf8');
  t.match(unit, /^ExecStart=\/usr\/local\/bin\/dualroot-bind$/m);
  const status = readFileSync(join(dest, 'usr/local/lib/systemd/system/dualroot-status.service'), 'utf8');
  t.match(status, /^ExecStart=\/usr\/local\/bin\/dualroot-status --quiet --prometheus \/var\/lib\//m);
  t.match(
    readFileSync(join(dest, 'usr/local/bin/dualroot-esp'), 'utf8'),
    /\/usr\/local\/lib\/dualroot\/dualroot-esp\/index\.js/,
  );
});

t.test('install.sh never overwrites an existing config', async (t) => {
  const dest = join(scratch(t), 'dest');
  mkdirSync(join(dest, 'etc/dualroot'), { recursive: true });
  writeFileSync(join(dest, 'etc/dualroot/dualroot.conf'), '[bind]\nguard = false\n');
  const r = await runInstall(dest);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.equal(readFileSync(join(dest, 'etc/dualroot/dualroot.conf'), 'utf8'), '[bind]\nguard = false\n', 'kept');
  t.equal(
    readFileSync(join(dest, 'etc/dualroot/dualroot.conf.new'), 'utf8'),
    readFileSync(join(repo, 'packaging/dualroot.conf'), 'utf8'),
    'the sample is next to it',
  );
  t.match(r.stderr, /exists; left it alone/);
});

t.test('install.sh over an old install removes the sync hook of its old, too early name', async (t) => {
  const dest = join(scratch(t), 'dest');
  const hooks = join(dest, 'usr/share/libalpm/hooks');
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(hooks, '99-dualroot-sync.hook'), 'old\n');
  const r = await runInstall(dest);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.notOk(existsSync(join(hooks, '99-dualroot-sync.hook')), 'the old hook is gone');
  t.ok(existsSync(join(hooks, 'zzzz-dualroot-sync.hook')), 'the new one is installed');
  t.match(r.stderr, /removed the old .*99-dualroot-sync\.hook/);
});

t.test('the sample config is the defaults, and every value it documents is the default', async (t) => {
  const text = readFileSync(join(repo, 'packaging/dualroot.conf'), 'utf8');
  const file = '/etc/dualroot/dualroot.conf';
  t.strictSame(parseConfig(text, file), defaultConfig(file), 'as installed: defaults');
  // Uncomment every documented key of the built-in sections (the [sync:NAME] example is not a default).
  const builtIn = text.slice(0, text.indexOf(';[sync:'));
  const uncommented = builtIn.replace(/^;([a-z_]+ =)/gm, '$1');
  t.not(uncommented, builtIn, 'there were commented keys to uncomment');
  t.strictSame(parseConfig(uncommented, file), defaultConfig(file), 'uncommented: still the defaults');
  const example = text.slice(text.indexOf(';[sync:')).replace(/^;(\[sync:|[a-z_]+ =)/gm, '$1');
  t.strictSame(parseConfig(example, file).items, [
    { name: 'etc', source: '/etc', destinations: ['/mnt/root1/etc'], exclude: ['/fstab', '/crypttab'] },
  ]);
});

t.test('.SRCINFO is what makepkg --printsrcinfo prints, and pkgver is package.json version', async (t) => {
  const dir = builderDir(t);
  cpSync(join(repo, 'packaging/PKGBUILD'), join(dir, 'PKGBUILD'));
  const r = await asBuilder('makepkg', ['--printsrcinfo'], { cwd: dir, home: dir });
  t.equal(r.exitCode, 0, 'makepkg --printsrcinfo succeeds', { output: r.all });
  t.equal(
    r.stdout,
    readFileSync(join(repo, 'packaging/.SRCINFO'), 'utf8').trimEnd(),
    'committed .SRCINFO is current',
  );
  t.match(
    r.stdout,
    new RegExp(`^\\tpkgver = ${pkgver.replaceAll('.', '\\.')}$`, 'm'),
    'pkgver matches package.json',
  );
});

t.test('makepkg builds the package from the working tree with the expected layout', async (t) => {
  const dir = builderDir(t);
  cpSync(join(repo, 'packaging/PKGBUILD'), join(dir, 'PKGBUILD'));
  // The source tarball as a release would have it (top directory dualroot-<version>/), made from
  // the working tree: tracked and new files, uncommitted edits included, ignored files (dist/,
  // node_modules/) not. makepkg finds it next to the PKGBUILD and downloads nothing.
  const files = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
  });
  const present = files.stdout.split('\0').filter((f) => f && existsSync(join(repo, f)));
  const tarball = join(dir, `dualroot-${pkgver}.tar.gz`);
  await execa('tar', ['-czf', tarball, '--transform', `s,^,dualroot-${pkgver}/,`, '--null', '-T', '-'], {
    cwd: repo,
    input: present.join('\0'),
  });
  await execa('chown', ['-R', 'nobody:nogroup', dir]);

  const started = Date.now();
  const r = await makepkg(dir, '.pkg.tar.zst');
  t.comment(`makepkg took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.equal(r.exitCode, 0, 'makepkg succeeds', { output: String(r.all).slice(-4000) });
  const pkg = join(dir, `dualroot-${pkgver}-1-any.pkg.tar.zst`);
  t.ok(existsSync(pkg), 'the package exists');
  if (!existsSync(pkg)) return;

  const listing = await execa('bsdtar', ['-tvf', pkg]);
  const entries = bsdtarEntries(listing.stdout);
  t.same(
    entries.filter((e) => e.mode.startsWith('l')).map((e) => `${e.path} -> ${e.target}`),
    [
      'usr/lib/systemd/system/bind-mount-efi.service -> dualroot-bind.service',
      'usr/lib/systemd/system/dual-root-syncd.service -> dualroot-watch.service',
    ],
    "dual-root's unit names are links to the dualroot units",
  );
  const contents = entries
    .filter((e) => !e.path.startsWith('.') && !e.mode.startsWith('d'))
    .map((e) => e.path);
  t.strictSame(
    contents.sort(),
    // makepkg's default OPTIONS include zipman: it gzips the man pages install.sh put in place.
    expectedFiles(builtPrograms(), docFiles(), '.gz'),
    'file list is the expected layout',
  );
  t.strictSame(
    entries.filter((e) => e.owner !== 'root' || e.group !== 'root').map((e) => e.path),
    [],
    'everything is owned by root',
  );
  const modes = Object.fromEntries(entries.map((e) => [e.path, e.mode]));
  t.equal(modes['usr/bin/dualroot-sync'], '-rwxr-xr-x');
  t.equal(modes['etc/dualroot/dualroot.conf'], '-rw-r--r--');
  for (const c of [
    'usr/share/bash-completion/completions/dualroot-sync',
    'usr/share/zsh/site-functions/_dualroot-sync',
    'usr/share/fish/vendor_completions.d/dualroot-sync.fish',
  ])
    t.equal(modes[c], '-rw-r--r--', `${c} is where Arch's shell looks, readable by all`);

  const pkginfo = (await execa('bsdtar', ['-xOf', pkg, '.PKGINFO'])).stdout;
  const declared = (key: string) =>
    [...pkginfo.matchAll(new RegExp(`^${key} = (.*)$`, 'gm'))].map((m) => m[1]!);
  t.strictSame(
    packageProblems(entries, {
      pkgname: 'dualroot',
      licenses: declared('license'),
      backup: declared('backup'),
    }),
    [],
    'namcap-style conventions hold (paths, owners, permissions, license, backup)',
  );
  t.match(pkginfo, /^arch = any$/m);
  t.match(pkginfo, /^backup = etc\/dualroot\/dualroot\.conf$/m);
  for (const dep of ['nodejs>=20.19', 'rsync', 'util-linux', 'efibootmgr']) {
    t.match(pkginfo, new RegExp(`^depend = ${dep}$`, 'm'), `depends on ${dep}`);
  }
  t.match(pkginfo, /^makedepend = npm$/m);
  t.match(pkginfo, /^optdepend = prometheus-node-exporter: /m, 'suggests node_exporter for the metrics');
  t.match(pkginfo, /^optdepend = btrfs-progs: /m, 'suggests btrfs-progs for the RAID1 root check');
});
