// namcap's conventions (Arch's package linter, not available on Debian) on what install.sh lays
// out: FHS paths as Arch has them, root ownership, permissions, the license file, backup entries.
// The makepkg test in packaging.test.ts applies the same checks to the built package.
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type PackageEntry, packageProblems, treeEntries } from '../helpers/namcap.js';
import { ensureBuilt, repo, runInstall } from '../helpers/packaging-install.js';
import { scratch } from '../helpers/sim.js';

t.before(ensureBuilt);

/** pkgname, license and backup as the PKGBUILD declares them. */
function pkgbuildInfo() {
  const text = readFileSync(join(repo, 'packaging/PKGBUILD'), 'utf8');
  const array = (name: string) =>
    [...(new RegExp(`^${name}=\\(([^)]*)\\)`, 'm').exec(text)?.[1] ?? '').matchAll(/'([^']*)'/g)].map(
      (m) => m[1]!,
    );
  return { pkgname: /^pkgname=(\S+)$/m.exec(text)![1]!, licenses: array('license'), backup: array('backup') };
}

t.test('install.sh into a staging tree follows namcap conventions', async (t) => {
  const dest = join(scratch(t), 'dest');
  const r = await runInstall(dest);
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  t.strictSame(packageProblems(treeEntries(dest), pkgbuildInfo()), [], 'no namcap-style problems');
  const rules = statSync(join(dest, 'usr/share/dualroot/dualroot.rules.yml'));
  t.equal(rules.mode & 0o7777, 0o644, 'the alert rules are data: 0644');
  t.equal(
    readFileSync(join(dest, 'usr/share/dualroot/dualroot.rules.yml'), 'utf8'),
    readFileSync(join(repo, 'packaging/dualroot.rules.yml'), 'utf8'),
    'installed unchanged',
  );
});

t.test('the checks find what namcap would complain about', async (t) => {
  const entry = (path: string, mode = '-rw-r--r--', owner = 'root'): PackageEntry => ({
    path,
    mode,
    owner,
    group: 'root',
  });
  const info = { pkgname: 'dualroot', licenses: ['MIT'], backup: ['etc/dualroot/dualroot.conf'] };
  const good = [
    entry('etc/', 'drwxr-xr-x'),
    entry('etc/dualroot/dualroot.conf'),
    entry('usr/bin/dualroot-sync', '-rwxr-xr-x'),
    entry('usr/share/licenses/dualroot/LICENSE'),
  ];
  t.strictSame(packageProblems(good, info), []);
  t.strictSame(
    packageProblems(
      [
        entry('etc/dualroot/dualroot.conf', '-rw-rw-rw-'),
        entry('usr/local/bin/x', '-rwxr-xr-x'),
        entry('usr/share/dualroot/', 'drwxr-xr-x'),
        entry('usr/share/dualroot/x.yml', '-rwxr-xr-x', 'nobody'),
        entry('usr/bin/y'),
        entry('srv/empty/', 'drwxr-xr-x'),
        entry('lib/systemd/system/a.service'),
        entry('weird/place'),
        entry('usr/bin/suid', '-rwsr-xr-x'),
      ],
      { pkgname: 'dualroot', licenses: ['MIT'], backup: ['/etc/other.conf'] },
    ),
    [
      'etc/dualroot/dualroot.conf: writable by others (-rw-rw-rw-)',
      'usr/share/dualroot/x.yml: owned by nobody:root, not root:root',
      'srv/empty/: empty directory',
      'usr/bin/suid: setuid, setgid or sticky (-rwsr-xr-x)',
      'usr/local/bin/x: /usr/local is the administrator’s, not a package’s',
      'usr/local/bin/x: executable outside usr/bin (-rwxr-xr-x)',
      'usr/share/dualroot/x.yml: executable outside usr/bin (-rwxr-xr-x)',
      'usr/bin/y: in usr/bin but not executable',
      'lib/systemd/system/a.service: Arch merges these into /usr/bin and /usr/lib',
      'weird/place: not in a directory Arch packages use',
      'license MIT needs its text in /usr/share/licenses/dualroot/',
      'backup /etc/other.conf: must be relative (no leading /)',
      'backup /etc/other.conf: not in the package',
    ],
  );
  t.strictSame(packageProblems(good, { ...info, licenses: [] }), ['no license declared']);
  // A real tree: a directory left writable by others is found through treeEntries too.
  const dir = scratch(t);
  mkdirSync(join(dir, 'usr/share/dualroot'), { recursive: true });
  chmodSync(join(dir, 'usr/share/dualroot'), 0o777);
  t.match(packageProblems(treeEntries(dir), { ...info, backup: [] }), [
    /usr\/share\/dualroot: writable by others \(drwxrwxrwx\)/,
  ]);
});
