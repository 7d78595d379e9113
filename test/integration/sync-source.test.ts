// An item whose source filesystem is gone (unmounted, a nofail disk missing at boot) is an empty
// directory on the filesystem below: it must be degraded, never copied over the good copy.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { itemDisk } from '../helpers/item-disk.js';
import { runProgram, twoDiskMachine } from '../helpers/sim.js';
import { snapshot, writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

/** /srv on its own filesystem (in fstab), copied to another disk's /srv, synced once. */
async function srvMachine(t: Test) {
  const m = await twoDiskMachine(t);
  const { disk, source: srv, copy } = await itemDisk(t, m, ['srv', 'root1']);
  const fstabBefore = readFileSync(m.fstab, 'utf8');
  appendFileSync(m.fstab, `PARTUUID=${disk.parts[0]!.partUuid} ${srv} ext4 nofail 0 2\n`);
  writeTree(srv, { 'www/index.html': '<h1>hi</h1>', 'www/a.css': 'a', 'data/db': 'rows', 'data/log': 'l' });
  writeFileSync(m.config, `[esp]\nsync = false\n[sync:srv]\nsource = ${srv}\ndestinations = ${copy}\n`);
  const first = await run(m.env);
  t.equal(first.code, 0, first.stderr);
  return { m, srv, copy, device: disk.parts[0]!.device, fstabBefore };
}

t.test('a source whose filesystem fstab mounts there is not mounted: degraded, nothing copied', async (t) => {
  const { m, srv, copy } = await srvMachine(t);
  const good = snapshot(copy);
  await execa('umount', [srv]);
  for (const argv of [[], ['--test']]) {
    const result = await run(m.env, ...argv);
    t.equal(result.code, 3, `degraded ${argv.join(' ')}`);
    t.match(
      result.stderr,
      new RegExp(
        `skipped: source ${srv} is not on its filesystem: ${m.fstab} line 3 mounts PARTUUID=[0-9a-f-]+ at ${srv}, which is not mounted .*fix: mount ${srv}`,
      ),
    );
  }
  t.same(snapshot(copy), good, 'the copy is intact');
  const state = JSON.parse(readFileSync(join(m.runDir, 'sync-state.json'), 'utf8'));
  t.match(state.items.srv.destinations[copy], { ok: false, status: 'missing', lastSuccess: String });
});

t.test('a source not on the filesystem of its last sync: degraded; then the mass-delete guard', async (t) => {
  const { m, srv, copy, device, fstabBefore } = await srvMachine(t);
  const state = JSON.parse(readFileSync(join(m.runDir, 'sync-state.json'), 'utf8'));
  t.match(state.items.srv.sourceFs, { mountPoint: srv, fsType: 'ext4', device });
  // fstab no longer names it (a hand-mounted disk): the recorded filesystem still does.
  writeFileSync(m.fstab, fstabBefore);
  const good = snapshot(copy);
  await execa('umount', [srv]);
  const result = await run(m.env);
  t.equal(result.code, 3);
  t.match(
    result.stderr,
    `source ${srv} was on the ext4 filesystem at ${srv} (${device}) at its last successful sync and is now on the`,
  );
  t.match(result.stderr, /fix: mount its filesystem again .*--allow-source-change once/);
  t.same(snapshot(copy), good);

  // Accepting the change, the copy would delete everything (lost+found too): refused, and --test says why.
  for (const argv of [['--allow-source-change'], ['--allow-source-change', '--test']]) {
    const guarded = await run(m.env, ...argv);
    t.equal(guarded.code, 1, argv.join(' '));
    t.match(
      guarded.stderr,
      new RegExp(
        `refused: would delete all of ${copy} \\(7 of its 7 entries, leaving 0\\).*fix: .*--allow-mass-delete`,
      ),
    );
  }
  t.same(snapshot(copy), good, 'still intact');

  // Said explicitly, it runs, and the summary says what it deleted (--verbose names it).
  const forced = await run(m.env, '--allow-source-change', '--allow-mass-delete', '--verbose');
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stdout, /srv: .* -> .*root1: 0 files, 0 B, 7 deleted, /);
  t.match(forced.stdout, /^ {2}deleted data\/db$/m);
  t.same(snapshot(copy), {});
});

t.test('ordinary deletions pass the guard and are reported', async (t) => {
  const { m, srv, copy } = await srvMachine(t);
  writeTree(srv, { 'www/new.html': 'new' });
  await execa('rm', [join(srv, 'data/log')]);
  const result = await run(m.env);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /: 1 file, 3 B, 1 deleted, /);
  t.notMatch(result.stdout, /deleted data\/log/, 'names only with --verbose');
  t.same(snapshot(copy), snapshot(srv));
});
