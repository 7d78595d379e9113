import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { bundle } from '../helpers/bundle.js';
import { runProgram, scratch, twoDiskMachine } from '../helpers/sim.js';

t.test('messages carry <N> syslog prefixes only when stderr is the journal stream', async (t) => {
  const m = await twoDiskMachine(t, { mountEfi1: false });
  const file = join(m.root, 'stderr.log');
  // The child's stderr is this very file (same inode), as systemd hands the journal stream over.
  const fd = openSync(file, 'w');
  const st = fstatSync(fd);
  const journal = spawnSync('node', [bundle('dualroot-sync')], {
    env: { ...m.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
    stdio: ['ignore', 'ignore', fd],
  });
  closeSync(fd);
  t.equal(journal.status, 3);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  t.ok(lines.length >= 2);
  for (const line of lines) t.match(line, /^<4>(ESP|esp: )/, `journal line: ${line}`);

  const plain = await execa('node', [bundle('dualroot-sync')], {
    env: { ...m.env, JOURNAL_STREAM: '1:2' },
    reject: false,
  });
  t.match(plain.stderr, /^dualroot-sync: warning: /m, 'JOURNAL_STREAM naming another stream: plain text');
  t.notMatch(plain.stderr, /^</m);
});

t.test('hooks in a chroot print "Skipped:" and succeed', async (t) => {
  const dir = scratch(t);
  // A /proc whose PID 1 has another root than ours: what a process inside arch-chroot sees.
  const proc = join(dir, 'proc');
  mkdirSync(join(proc, '1'), { recursive: true });
  symlinkSync(dir, join(proc, '1/root'));
  const result = await runProgram(sync, 'dualroot-sync', ['--hook'], {
    DUALROOT_PROC: proc,
    DUALROOT_MOUNTINFO: '/proc/self/mountinfo',
  });
  t.equal(result.code, 0);
  t.match(result.stdout, /^ {2}Skipped: running in a chroot/);
});

t.test('a machine without sysfs is a clear failure (exit 1), not a crash', async (t) => {
  const config = join(scratch(t), 'dualroot.conf');
  writeFileSync(config, '', { mode: 0o644 });
  const result = await runProgram(sync, 'dualroot-sync', [], {
    DUALROOT_CONFIG: config,
    DUALROOT_SYSFS: '/nonexistent',
    DUALROOT_EFIVARS: '/nonexistent',
  });
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    /^dualroot-sync: error: cannot list block devices in \/nonexistent\/class\/block: ENOENT.*\ndualroot-sync: error: fix: is sysfs mounted/,
  );
});
