// The installed completions in the real shells: Debian's bash-completion, zsh and fish find them
// where packaging/install.sh put them (PREFIX/share/..., /usr/share/... on Arch) and ask the
// installed programs, as on a Tab press.
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ensureBuilt, requiredPrograms, runInstall } from '../helpers/packaging-install.js';
import { scratch } from '../helpers/sim.js';

const SHELLS = join(import.meta.dirname, '../helpers/shells');

t.before(ensureBuilt);

const root = scratch(t);
const prefix = join(root, 'usr');
// Exactly this environment: tap's NODE_OPTIONS must not reach the programs the shells start.
const env = {
  PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`,
  HOME: root,
  XDG_DATA_DIRS: join(prefix, 'share'),
  TERM: 'dumb',
  LANG: 'C.UTF-8',
};
const shell = (file: string, args: string[]) =>
  execa(file, args, { env, extendEnv: false, reject: false, timeout: 120_000 });

/** What each shell offers for a command line, one match per entry (fish: without its description). */
const offers = {
  bash: async (line: string) => {
    const r = await shell('bash', [join(SHELLS, 'bash-complete.bash'), line]);
    if (r.exitCode !== 0) throw new Error(`bash: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean);
  },
  zsh: async (line: string) => {
    const r = await shell('zsh', [
      '-f',
      join(SHELLS, 'zsh-complete.zsh'),
      join(prefix, 'share/zsh/site-functions'),
      line,
    ]);
    if (r.exitCode !== 0) throw new Error(`zsh: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean);
  },
  fish: async (line: string) => {
    const r = await shell('fish', ['-c', `complete -C ${JSON.stringify(line)}`]);
    if (r.exitCode !== 0) throw new Error(`fish: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!);
  },
};

t.before(async () => {
  const r = await runInstall('', {
    PREFIX: prefix,
    SYSCONFDIR: join(root, 'etc'),
    NODE: process.execPath,
  });
  if (r.exitCode !== 0) throw new Error(`install.sh failed: ${r.all}`);
});

for (const [name, ask] of Object.entries(offers)) {
  t.test(`${name}: the issue's two cases and the entries subcommand`, async (t) => {
    t.same(await ask('dualroot-sync --te'), ['--test'], 'dualroot-sync --te completes to --test');
    t.same(
      (await ask('dualroot-watch --io-class ')).sort(),
      ['best-effort', 'idle', 'realtime'],
      'dualroot-watch --io-class offers the classes',
    );
    t.same(await ask('dualroot-esp ent'), ['entries']);
    t.same(await ask('dualroot-esp entries --pr'), ['--prune']);
  });
}

t.test('bash: every installed program has its completion', async (t) => {
  for (const program of requiredPrograms) {
    const all = await offers.bash(`${program} --`);
    // dual-root-tool keeps the old tool's --conf.
    t.ok(
      all.includes('--help') && all.some((o) => o === '--config' || o === '--conf'),
      `${program}: ${all.join(' ')}`,
    );
  }
});
