import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runRsync } from '../../src/sys/rsync.js';
import { scratch } from '../helpers/sim.js';

t.test('rsync children run at the configured absolute nice level and I/O class', async (t) => {
  const dir = scratch(t);
  // An rsync on PATH that reports the scheduling it was started with (an observer, not a fake copy).
  writeFileSync(join(dir, 'rsync'), '#!/bin/sh\necho "nice=$(nice) io=$(ionice)"\n');
  chmodSync(join(dir, 'rsync'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  t.teardown(() => {
    process.env.PATH = path;
  });
  const idle = await runRsync([], { priority: { nice: 15, ioClass: 'idle' } });
  t.match(idle.stdout, /^nice=15 io=idle$/m);
  const be = await runRsync([], { priority: { nice: 5, ioClass: 'best-effort' } });
  t.match(be.stdout, /^nice=5 io=best-effort: prio \d$/m);
  const plain = await runRsync([]);
  t.match(plain.stdout, /^nice=0 /m);
});
