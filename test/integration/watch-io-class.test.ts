// dualroot-watch --io-class: the rsync runs of the daemon get that I/O class instead of the
// config's, at start and after a reload.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { twoDiskMachine } from '../helpers/sim.js';
import { startInProcess, waitFor } from '../helpers/watch.js';

t.test('--io-class overrides [watch] io_class for every rsync, reloads included', async (t) => {
  const m = await twoDiskMachine(t, {
    config: '[watch]\nio_class = idle\ndelay = 0\n',
  });
  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), 'kernel');
  // The real rsync, started through a script that first records the I/O class it was given.
  const log = join(m.root, 'ionice.log');
  const bin = join(m.root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'rsync'), `#!/bin/sh\nionice >> ${log}\nexec /usr/bin/rsync "$@"\n`);
  chmodSync(join(bin, 'rsync'), 0o755);
  // rsync is started by this process (nice ionice rsync), so its PATH is the one searched.
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  t.teardown(() => {
    process.env.PATH = path;
  });
  const d = await startInProcess(t, m.env, ['--io-class', 'best-effort']);
  await waitFor(() => d.syncs('esp') >= 1, 30000, 'the first sync');
  t.ok(existsSync(join(m.efi[1]!, 'vmlinuz-linux')), 'the sync copied through the real rsync');
  t.match(readFileSync(log, 'utf8'), /^best-effort: prio \d$/m, 'rsync ran best-effort, not idle');
  t.notMatch(readFileSync(log, 'utf8'), /^idle$/m);
  writeFileSync(log, '');
  d.reload();
  await waitFor(() => d.events.some((e) => e.type === 'reloaded'), 10000, 'the reload');
  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), 'kernel 2');
  await waitFor(() => readFileSync(log, 'utf8') !== '', 30000, 'a sync after the reload');
  t.match(readFileSync(log, 'utf8'), /^best-effort: prio \d$/m, 'still best-effort after the reload');
  t.equal(await d.stop(), 0);
});
