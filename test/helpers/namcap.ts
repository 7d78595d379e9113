import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { listTree } from './packaging-install.js';

// The conventions Arch's namcap checks in a package, for a Debian host that has no namcap: where
// files may go (FHS as Arch has it), their owners and permissions, no empty directories, the
// license file of a non-common license, backup entries that exist. Each problem is a sentence
// naming the path, like namcap's own tags.

/** One entry of a package or staging tree, as `bsdtar -tv` or `ls -l` shows it. */
export interface PackageEntry {
  /** Relative path, no leading slash; directories end with '/' or have a 'd' mode. */
  path: string;
  /** ls-style mode string: -rw-r--r--, drwxr-xr-x, lrwxrwxrwx. */
  mode: string;
  owner: string;
  group: string;
  /** A symlink's target. */
  target?: string | undefined;
}

/** What the package declares (from .PKGINFO or the PKGBUILD). */
export interface PackageInfo {
  pkgname: string;
  licenses: string[];
  backup: string[];
}

// Where Arch packages put files; anything else is namcap's "file in a non-standard directory".
const ALLOWED = /^(etc|usr\/bin|usr\/lib|usr\/share|usr\/include|opt|srv|var\/lib|var\/cache|var\/log)\//;
const FORBIDDEN = [
  [/^usr\/local\//, '/usr/local is the administrator’s, not a package’s'],
  [/^(bin|sbin|lib|lib64|usr\/sbin|usr\/lib64)\//, 'Arch merges these into /usr/bin and /usr/lib'],
  [/^usr\/(man|doc|info)\//, 'man, doc and info pages go under /usr/share'],
  [/^(var\/run|var\/lock|run|tmp|usr\/tmp|home|root|mnt|media|dev|proc|sys)\//, 'run-time or user space'],
  [/^(etc\/systemd\/system|lib\/systemd)\//, 'packaged units go in /usr/lib/systemd/system'],
] as const;
// Licenses Arch ships in /usr/share/licenses/spdx (package "licenses") need no file of their own;
// MIT, BSD and ISC carry the copyright holder, so namcap wants the package's own copy.
const OWN_FILE = new Set(['MIT', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'Zlib']);

const isDir = (e: PackageEntry) => e.mode.startsWith('d') || e.path.endsWith('/');
const dirOf = (e: PackageEntry) => e.path.replace(/\/$/, '');

/** The namcap-style problems of a package's entries; empty when it follows the conventions. */
export function packageProblems(entries: PackageEntry[], info: PackageInfo): string[] {
  const problems: string[] = [];
  const files = entries.filter((e) => !isDir(e) && !e.path.startsWith('.'));
  for (const e of entries) {
    if (e.path.startsWith('.')) continue;
    const path = dirOf(e);
    if (e.owner !== 'root' || e.group !== 'root')
      problems.push(`${path}: owned by ${e.owner}:${e.group}, not root:root`);
    if (/[sStT]/.test(e.mode)) problems.push(`${path}: setuid, setgid or sticky (${e.mode})`);
    if (!e.mode.startsWith('l') && e.mode[8] === 'w')
      problems.push(`${path}: writable by others (${e.mode})`);
    if (!e.mode.startsWith('l') && e.mode[7] !== 'r')
      problems.push(`${path}: not readable by others (${e.mode})`);
    if (isDir(e) && e.mode !== 'drwxr-xr-x')
      problems.push(`${path}/: directory mode ${e.mode}, not drwxr-xr-x`);
    if (isDir(e) && !entries.some((o) => o !== e && o.path.startsWith(`${path}/`)))
      problems.push(`${path}/: empty directory`);
  }
  for (const e of files) {
    const forbidden = FORBIDDEN.find(([re]) => re.test(e.path));
    if (forbidden) problems.push(`${e.path}: ${forbidden[1]}`);
    else if (!ALLOWED.test(e.path)) problems.push(`${e.path}: not in a directory Arch packages use`);
    if (e.path.startsWith('usr/bin/') && !/[xs]/.test(e.mode[3] ?? ''))
      problems.push(`${e.path}: in usr/bin but not executable`);
    if (!e.path.startsWith('usr/bin/') && e.mode.startsWith('-') && /[xs]/.test(e.mode[3] ?? ''))
      problems.push(`${e.path}: executable outside usr/bin (${e.mode})`);
  }
  if (info.licenses.length === 0) problems.push('no license declared');
  const licenseDir = `usr/share/licenses/${info.pkgname}/`;
  for (const license of info.licenses)
    if (OWN_FILE.has(license) && !files.some((e) => e.path.startsWith(licenseDir)))
      problems.push(`license ${license} needs its text in /${licenseDir}`);
  for (const b of info.backup) {
    if (b.startsWith('/')) problems.push(`backup ${b}: must be relative (no leading /)`);
    if (!files.some((e) => e.path === b)) problems.push(`backup ${b}: not in the package`);
  }
  return problems;
}

/** Parses `bsdtar -tvf` output into entries (owner and group names, ls-style modes). */
export function bsdtarEntries(listing: string): PackageEntry[] {
  return listing
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      // A symlink is listed as "path -> target".
      const [path, target] = f.slice(8).join(' ').split(' -> ');
      return { mode: f[0]!, owner: f[2]!, group: f[3]!, path: path!, target };
    });
}

const ls = (mode: number, type: string) =>
  type +
  [6, 3, 0]
    .map((shift) => {
      const bits = (mode >> shift) & 7;
      return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
    })
    .join('');

/** The entries of a staging tree (install.sh's DESTDIR), with modes as ls shows them. */
export function treeEntries(dir: string): PackageEntry[] {
  return listTree(dir).map((path) => {
    const st = lstatSync(join(dir, path));
    const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
    const special = st.mode & 0o7000 ? 's' : '';
    const name = (id: number) => (id === 0 ? 'root' : String(id));
    return { path, mode: ls(st.mode, type) + special, owner: name(st.uid), group: name(st.gid) };
  });
}
