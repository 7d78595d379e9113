// Approach 2 on two loop disks (ESP + ext4 root each): the other ESP's loader entries and the other
// root's fstab/crypttab are written rewritten for their own disk, --test lists each rewrite, a
// second sync changes nothing, and a reference with no counterpart degrades the copy, naming it.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { approach2 } from '../helpers/approach2.js';

t.test(
  '--test lists each rewrite and writes nothing; the sync writes them; a second sync changes nothing',
  async (t) => {
    const { efi1, root0, root1, ids, run } = await approach2(t);
    const dry = await run('--test');
    t.equal(dry.code, 0, dry.out);
    t.match(dry.out, `rewrite ${efi1}/loader/entries/arch.conf line 3: ${ids.root0} → ${ids.root1}`);
    t.match(dry.out, `rewrite ${root1}/etc/fstab line 1: ${ids.root0} → ${ids.root1}`);
    t.match(dry.out, `rewrite ${root1}/etc/fstab line 2: ${ids.root1} → ${ids.root0}`);
    t.match(dry.out, `rewrite ${root1}/etc/fstab line 4: ${ids.esp1} → ${ids.esp0}`);
    t.notOk(statSync(join(efi1, 'loader'), { throwIfNoEntry: false }), 'a dry run wrote nothing');

    const real = await run();
    t.equal(real.code, 0, real.out);
    t.equal(
      readFileSync(join(efi1, 'loader/entries/arch.conf'), 'utf8'),
      `title Arch Linux\nlinux /vmlinuz-linux\noptions root=UUID=${ids.root1} rw\n`,
      'the other ESP boots its own root',
    );
    t.match(
      readFileSync(join(root1, 'etc/fstab'), 'utf8'),
      new RegExp(`^UUID=${ids.root1} / .*\nUUID=${ids.root0} /mnt/root1 `),
    );
    t.equal(readFileSync(join(efi1, 'vmlinuz-linux'), 'utf8'), 'kernel', 'the rest copied verbatim');
    t.equal(readFileSync(join(root1, 'etc/hostname'), 'utf8'), 'twin\n');
    t.equal(statSync(join(root1, 'etc/crypttab')).mode & 0o777, 0o600, "crypttab keeps its source's mode");
    t.equal(
      readFileSync(join(root0, 'etc/fstab'), 'utf8').split('\n')[0],
      `UUID=${ids.root0} / ext4 rw 0 1`,
      'the source untouched',
    );

    const before = statSync(join(root1, 'etc/fstab'));
    const again = await run('--test');
    t.match(again.out, `${join(root0, 'etc')} -> ${join(root1, 'etc')}: would create 0, update 0, delete 0`);
    t.notMatch(again.out, 'rewrite ', 'nothing left to rewrite');
    const second = await run();
    t.equal(second.code, 0, second.out);
    const after = statSync(join(root1, 'etc/fstab'));
    t.equal(after.ino, before.ino, 'the rewritten fstab is not replaced again');
    t.equal(after.mtimeMs, before.mtimeMs);

    // An entry removed on the booted ESP goes from the other too (the excludes name only present entries).
    rmSync(join(efi1, '..', 'efi0', 'loader/entries/arch.conf'));
    t.equal((await run()).code, 0);
    t.notOk(statSync(join(efi1, 'loader/entries/arch.conf'), { throwIfNoEntry: false }));
  },
);

t.test(
  'a reference to a partition the other disk lacks: degraded, that file not copied, named with its line',
  async (t) => {
    const { efi1, root0, root1, ids, run } = await approach2(t, 1);
    writeFileSync(
      join(root0, 'etc/fstab'),
      `UUID=${ids.root0} / ext4 rw 0 1\nUUID=${ids.extra} /srv ext4 rw 0 2\n`,
    );
    const result = await run();
    t.equal(result.code, 3, result.out);
    t.match(
      result.out,
      new RegExp(
        `${root1}/etc/fstab line 2 names ${ids.extra}, which has no counterpart on the destination's disk \\(.*has no partition 3\\); the file was not copied`,
      ),
    );
    t.notOk(statSync(join(root1, 'etc/fstab'), { throwIfNoEntry: false }), 'no fstab half-rewritten');
    t.match(
      readFileSync(join(efi1, 'loader/entries/arch.conf'), 'utf8'),
      `root=UUID=${ids.root1}`,
      'the ESP still done',
    );
  },
);
