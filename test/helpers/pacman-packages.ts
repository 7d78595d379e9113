// Packages and other packages' hooks for the real-pacman tests: makepkg builds a package holding
// exactly the files given, and a stand-in hook (same name, When and Triggers as the real one)
// goes into the machine's HookDir, where pacman sorts it among the system's hooks by name.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { builderDir, makepkg } from './packaging-install.js';
import type { PacmanMachine } from './pacman-harness.js';

/** A package to build: its name, version and files (path without the leading slash → content). */
export interface PackageSpec {
  name: string;
  version: number;
  files: Record<string, string>;
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Builds a package with makepkg (as an unprivileged user); returns the package file. */
export async function buildPackage(t: Test, spec: PackageSpec): Promise<string> {
  const dir = builderDir(t);
  const install = Object.entries(spec.files).flatMap(([path, content]) => [
    `  install -d -m 755 "$pkgdir/"${quote(path.slice(0, path.lastIndexOf('/')))}`,
    `  printf '%s' ${quote(content)} >"$pkgdir/"${quote(path)}`,
    `  chmod 644 "$pkgdir/"${quote(path)}`,
  ]);
  writeFileSync(
    join(dir, 'PKGBUILD'),
    [
      `pkgname=${spec.name}`,
      `pkgver=${spec.version}`,
      'pkgrel=1',
      "pkgdesc='Fake package for dualroot tests'",
      "arch=('any')",
      "license=('MIT')",
      'package() {',
      ...install,
      '}',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  // Distinct build times per version, as real package builds have: makepkg stamps every file
  // with SOURCE_DATE_EPOCH (default: now), and two builds in the same second would give the
  // upgrade the same size and mtime, which rsync's quick check rightly treats as unchanged.
  const built = await makepkg(dir, '.pkg.tar', {
    SOURCE_DATE_EPOCH: String(1_700_000_000 + spec.version * 86_400),
  });
  if (built.exitCode !== 0) throw new Error(`makepkg failed for ${spec.name}: ${built.all}`);
  return join(dir, `${spec.name}-${spec.version}-1-any.pkg.tar`);
}

/** Another package's PostTransaction hook, played by a shell script. */
export interface StandInHook {
  /** The real hook's file name, e.g. zz-sbctl.hook. */
  name: string;
  paths?: string[];
  packages?: string[];
  /** The script's body (sh): what the real hook does to /boot, in miniature. */
  script: string;
}

/** Installs a stand-in hook into the machine's HookDir (its script lives in the scratch tree). */
export async function addHook(m: PacmanMachine, hook: StandInHook): Promise<void> {
  const script = join(m.root, `${hook.name}.sh`);
  writeFileSync(script, `#!/bin/sh\nset -e\n${hook.script}\n`);
  chmodSync(script, 0o755);
  const trigger = (type: string, targets: string[]) =>
    targets.length === 0
      ? []
      : [
          '[Trigger]',
          `Type = ${type}`,
          'Operation = Install',
          'Operation = Upgrade',
          ...targets.map((x) => `Target = ${x}`),
          '',
        ];
  const text = [
    ...trigger('Path', hook.paths ?? []),
    ...trigger('Package', hook.packages ?? []),
    '[Action]',
    `Description = ${hook.name} (stand-in)`,
    'When = PostTransaction',
    `Exec = ${script}`,
    '',
  ].join('\n');
  const r = await m.ns.run('sh', ['-c', 'printf "%s" "$1" >"$0"', join(m.state, 'hooks', hook.name), text]);
  if (r.exitCode !== 0) throw new Error(`cannot write ${hook.name}: ${r.all}`);
}
