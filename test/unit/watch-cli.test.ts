import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../src/cli/watch.js';
import { runProgram } from '../helpers/sim.js';

t.test('--json is refused with where to look instead', async (t) => {
  const r = await runProgram(main, 'dualroot-watch', ['--json'], { PATH: process.env.PATH });
  t.equal(r.code, 2);
  t.match(r.stderr, /no JSON output/);
  t.match(r.stderr, /fix: read \$DUALROOT_RUN_DIR\/watch-state\.json/);
});

t.test('--help describes the daemon and exits 0', async (t) => {
  const r = await runProgram(main, 'dualroot-watch', ['--help'], { PATH: process.env.PATH });
  t.equal(r.code, 0);
  t.match(r.stdout, /--test/);
});

t.test('a bad config at start is a configuration error (exit 2) naming file, section and key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dualroot-watch-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'dualroot.conf');
  writeFileSync(config, '[watch]\nmax_delay = 1\ndelay = 5\n', { mode: 0o644 });
  const r = await runProgram(main, 'dualroot-watch', [], {
    PATH: process.env.PATH,
    DUALROOT_CONFIG: config,
    DUALROOT_RUN_DIR: join(dir, 'run'),
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /dualroot\.conf line \d+ \[watch\] max_delay: 1 is less than delay/);
});
