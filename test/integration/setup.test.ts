// scripts/setup.sh: from the one list (.ci/debian-packages) it finds what this system lacks with
// the real dpkg-query or pacman, and stops with the exact command when it may not install it.
// Installing for real (apt-get as root) is proven in a clean root by scripts/prove-fresh-setup.sh.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { builder, repo } from '../helpers/packaging-install.js';
import { scratch } from '../helpers/sim.js';

const SETUP = join(repo, 'scripts/setup.sh');
const LIST = join(repo, '.ci/debian-packages');

/** Runs setup.sh with this environment added, as root or as the unprivileged builder. */
function setup(args: string[], env: Record<string, string>, as: 'root' | 'user' = 'user') {
  const vars = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }).map(
    ([k, v]) => `${k}=${v}`,
  );
  const user = [`--reuid=${builder.uid}`, `--regid=${builder.gid}`, '--clear-groups'];
  return as === 'root'
    ? execa('env', ['-i', ...vars, 'bash', SETUP, ...args], { reject: false, all: true })
    : execa('setpriv', [...user, '--', 'env', '-i', ...vars, 'bash', SETUP, ...args], {
        reject: false,
        all: true,
      });
}

/** A scratch directory the unprivileged user can read. */
function readableScratch(t: Parameters<typeof scratch>[0]): string {
  const dir = scratch(t);
  chmodSync(dir, 0o755);
  return dir;
}

/** An os-release file saying this ID and ID_LIKE. */
function osRelease(dir: string, id: string, idLike = ''): string {
  const file = join(dir, `os-release-${id}`);
  writeFileSync(file, `ID=${id}\n${idLike ? `ID_LIKE=${idLike}\n` : ''}`);
  return file;
}

t.test('the list: every line is a package name with known tags', async (t) => {
  for (const line of readFileSync(LIST, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, ...tags] = line.trim().split(/\s+/);
    t.match(name, /^[a-z0-9][a-z0-9+.-]+$/, `${name} is a package name`);
    for (const tag of tags)
      t.match(tag, /^(demo|arch=[a-z0-9][a-z0-9+.-]+)$/, `${name}: tag ${tag} is known`);
  }
});

t.test('npm run demo, npm test and .ci/run set up first', async (t) => {
  const scripts = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts;
  t.match(scripts.demo, /^bash scripts\/setup\.sh demo && /);
  t.match(scripts.test, /^bash scripts\/setup\.sh test && /);
  t.match(readFileSync(join(repo, '.ci/run'), 'utf8'), /^bash scripts\/setup\.sh test$/m);
});

t.test('everything on the list installed: installs nothing and says nothing', async (t) => {
  const r = await setup(['test'], {}, 'root');
  t.equal(r.exitCode, 0, r.all);
  t.equal(r.all, '', 'silent');
});

t.test('Debian, not root, a package missing: stops with the exact apt-get command', async (t) => {
  const dir = readableScratch(t);
  const list = join(dir, 'packages');
  writeFileSync(list, '# test list\nrsync demo\ndualroot-no-such-package demo arch=other-name\nhello\n');
  const env = { DUALROOT_PACKAGE_LIST: list, DUALROOT_OS_RELEASE: osRelease(dir, 'ubuntu', 'debian') };
  const demo = await setup(['demo'], env);
  t.equal(demo.exitCode, 1);
  t.match(demo.stderr, /^setup: the demo needs packages that are not installed: dualroot-no-such-package$/m);
  t.match(
    demo.stderr,
    /^setup: install them as root: apt-get install -y --no-install-recommends dualroot-no-such-package$/m,
  );
  const tests = await setup(['test'], env);
  t.match(
    tests.stderr,
    /^setup: the tests need packages that are not installed: dualroot-no-such-package hello$/m,
  );
});

t.test('Arch: the Arch names, each once, in the pacman command', async (t) => {
  const dir = readableScratch(t);
  // An empty pacman database: nothing installed, so every package of the list is named.
  const db = join(dir, 'pacman');
  await execa('mkdir', ['-p', join(db, 'local')]);
  writeFileSync(join(db, 'local/ALPM_DB_VERSION'), '9\n');
  for (const [id, like] of [
    ['arch', ''],
    ['endeavouros', 'arch'],
  ] as const) {
    const r = await setup(['demo'], {
      DUALROOT_OS_RELEASE: osRelease(dir, id, like),
      DUALROOT_PACMAN_DBPATH: db,
    });
    t.equal(r.exitCode, 1, r.all);
    // fdisk and mount are util-linux on Arch: named once.
    t.match(
      r.stderr,
      `setup: install them as root: pacman --dbpath ${db} -S --needed --noconfirm rsync util-linux e2fsprogs coreutils diffutils\n`,
      `${id}: Arch names`,
    );
  }
  const all = await setup(['test'], {
    DUALROOT_OS_RELEASE: osRelease(dir, 'arch'),
    DUALROOT_PACMAN_DBPATH: db,
  });
  const names = /--noconfirm (.*)$/m.exec(all.stderr)?.[1]?.split(' ') ?? [];
  for (const arch of ['edk2-ovmf', 'busybox', 'groff', 'pacman', 'libarchive', 'util-linux'])
    t.ok(names.includes(arch), `Arch's ${arch}`);
  for (const debian of [
    'ovmf',
    'fdisk',
    'mount',
    'busybox-static',
    'groff-base',
    'makepkg',
    'systemd-boot-efi',
  ])
    t.notOk(names.includes(debian), `not Debian's ${debian}`);
  t.equal(new Set(names).size, names.length, 'each once');
  // A pacman that cannot read its database cannot say what is missing: stop, do not guess.
  const broken = await setup(['demo'], {
    DUALROOT_OS_RELEASE: osRelease(dir, 'arch'),
    DUALROOT_PACMAN_DBPATH: join(dir, 'no-db'),
  });
  t.equal(broken.exitCode, 1);
  t.match(broken.stderr, /setup: pacman -T failed \(exit \d+\): cannot tell what is installed/);
});

t.test('neither Debian nor Arch: the list and how to go on; skip and usage', async (t) => {
  const dir = readableScratch(t);
  const r = await setup(['demo'], { DUALROOT_OS_RELEASE: osRelease(dir, 'fedora') });
  t.equal(r.exitCode, 1);
  t.match(r.stderr, /neither Debian \(apt-get\) nor Arch \(pacman\)/);
  t.match(r.stderr, /^setup: {3}rsync util-linux fdisk mount e2fsprogs coreutils diffutils$/m);
  t.match(r.stderr, /DUALROOT_SETUP=skip/);
  const skipped = await setup(['demo'], {
    DUALROOT_OS_RELEASE: osRelease(dir, 'fedora'),
    DUALROOT_SETUP: 'skip',
  });
  t.equal(skipped.exitCode, 0);
  const usage = await setup(['everything'], {});
  t.equal(usage.exitCode, 2);
  t.match(usage.stderr, /usage: scripts\/setup\.sh demo\|test/);
});
