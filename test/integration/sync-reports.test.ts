// What dualroot-sync says after a copy is what is true of the destination.
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as status } from '../../src/cli/status.js';
import { main as sync } from '../../src/cli/sync.js';
import { itemDisk } from '../helpers/item-disk.js';
import { defer, runProgram, twoDiskMachine } from '../helpers/sim.js';
import { writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

t.test(
  'a same-size change within FAT time resolution is copied, and status --verify then agrees',
  async (t) => {
    const m = await twoDiskMachine(t);
    const entry = 'loader/entries/arch.conf';
    writeTree(m.efi[0]!, { [entry]: 'title Arch\noptions root=UUID=x ro\n', 'vmlinuz-linux': 'kernel' });
    t.equal((await run(m.env)).code, 0);
    // ro -> rw right after the sync: same size, and a time FAT cannot tell apart (within 2 s).
    const file = join(m.efi[0]!, entry);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, 'title Arch\noptions root=UUID=x rw\n');
    utimesSync(file, atime, new Date(mtime.getTime() + 1000));
    const verify = async () => runProgram(status, 'dualroot-status', ['--verify', '--json'], m.env);
    const before = JSON.parse((await verify()).stdout);
    t.ok(
      before.checks.some((c: { message: string }) =>
        /differs .*differs loader\/entries\/arch\.conf/.test(c.message),
      ),
      'status --verify finds the difference',
    );
    const copied = await run(m.env);
    t.equal(copied.code, 0, copied.stderr);
    t.match(copied.stdout, /: 1 file, 34 B,/);
    t.equal(readFileSync(join(m.efi[1]!, entry), 'utf8'), 'title Arch\noptions root=UUID=x rw\n');
    const after = JSON.parse((await verify()).stdout);
    t.notOk(
      after.checks.some((c: { message: string }) => /differs/.test(c.message)),
      'the fix status --verify advised (run dualroot-sync) worked',
    );
  },
);

t.test('rsync exit 23 (some files not transferred) says the copy may be partial', async (t) => {
  const m = await twoDiskMachine(t);
  const { source: src, copy: dst } = await itemDisk(t, m, ['root0', 'root1']);
  writeTree(src, { 'etc/a': 'a1', 'etc/b': 'b1' });
  mkdirSync(join(dst, 'etc'));
  writeFileSync(
    m.config,
    `[esp]\nsync = false\n[sync:etc]\nsource = ${join(src, 'etc')}\ndestinations = ${join(dst, 'etc')}\n`,
  );
  t.equal((await run(m.env)).code, 0);
  writeTree(src, { 'etc/b': 'b2, longer', 'etc/c': 'c2' });
  // An immutable entry cannot be replaced: rsync transfers the rest and exits 23.
  await execa('chattr', ['+i', join(dst, 'etc/b')]);
  defer(t, () => execa('chattr', ['-i', join(dst, 'etc/b')], { reject: false }));
  const result = await run(m.env);
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    /failed: rsync exit 23 \(some files could not be transferred\).*may now hold some new files next to old ones \(a partial copy\)/,
  );
  t.notMatch(result.stderr, /previous complete copy is still in place/);
  t.equal(readFileSync(join(dst, 'etc/c'), 'utf8'), 'c2', 'what the message says: a new file is there');
  t.equal(readFileSync(join(dst, 'etc/b'), 'utf8'), 'b1', 'next to an old one');
});
