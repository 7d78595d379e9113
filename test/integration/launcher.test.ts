// The /usr/bin launchers install.sh writes (packaging/launcher.cjs): they start the installed
// bundle with the node they name, pass the arguments and exit code through, and keep node's
// compile cache in DUALROOT_COMPILE_CACHE where node has one (>= 22.1), and nothing where not.
import { existsSync, readdirSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ensureBuilt, runInstall } from '../helpers/packaging-install.js';
import { scratch } from '../helpers/sim.js';

t.test('a launcher runs its bundle and uses the compile cache when node has one', async (t) => {
  await ensureBuilt();
  const root = scratch(t);
  const prefix = join(root, 'usr');
  // Installed in place (no DESTDIR), so the launchers name bundles that exist.
  const r = await runInstall('', { PREFIX: prefix, SYSCONFDIR: join(root, 'etc'), NODE: process.execPath });
  t.equal(r.exitCode, 0, 'install succeeds', { output: r.all });
  const cache = join(root, 'cache');
  // Exactly this environment: tap's NODE_OPTIONS (its loader) must not reach the program.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DUALROOT_COMPILE_CACHE: cache };
  const help = await execa(join(prefix, 'bin/dualroot-esp'), ['--help'], {
    env,
    extendEnv: false,
    reject: false,
  });
  t.equal(help.exitCode, 0, 'the program ran', { stderr: help.stderr });
  t.match(help.stdout, /dualroot-esp \[options\]/, 'its own help');
  const bad = await execa(join(prefix, 'bin/dualroot-esp'), ['--no-such-option'], {
    env,
    extendEnv: false,
    reject: false,
  });
  t.equal(bad.exitCode, 2, "the program's exit code comes through (usage error)");
  if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function')
    t.ok(existsSync(cache) && readdirSync(cache).length > 0, `node ${process.version} filled the cache`);
  else t.notOk(existsSync(cache), `node ${process.version} has no compile cache: nothing written`);
});
