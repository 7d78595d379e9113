// Approach 2 on two loop disks (ESP + ext4 root each): the other ESP's loader entries and the other
// root's fstab/crypttab are written rewritten for their own disk, --test lists each rewrite, a
// second sync changes nothing, and a reference with no counterpart degrades the copy, naming it.
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { efivarsFor, makeDisk, mount, runProgram, scratch } from '../helpers/sim.js';

const fsUuid = async (device: string) =>
  (await execa('blkid', ['-p', '-s', 'UUID', '-o', 'value', device])).stdout.trim();

/** Two disks, each ESP + root (disk 0 with `extra` more partitions), mounted; booted from disk 0's ESP. */
async function approach2(t: Test, extra = 0) {
  const root = scratch(t);
  const layout = (n: number) => [
    { type: 'esp' as const, sizeMiB: 16 },
    { type: 'linux' as const, sizeMiB: 24 },
    ...Array.from({ length: n }, () => ({ type: 'linux' as const, sizeMiB: 8 })),
  ];
  const disks = [await makeDisk(t, root, layout(extra)), await makeDisk(t, root, layout(0))];
  const [efi0, efi1, root0, root1] = ['efi0', 'efi1', 'root0', 'root1'].map((d) => join(root, d)) as [
    string,
    string,
    string,
    string,
  ];
  await mount(t, disks[0]!.parts[0]!.device, efi0);
  await mount(t, disks[1]!.parts[0]!.device, efi1);
  await mount(t, disks[0]!.parts[1]!.device, root0);
  await mount(t, disks[1]!.parts[1]!.device, root1);
  for (const d of [efi0, efi1, root0, root1]) rmSync(join(d, 'lost+found'), { recursive: true, force: true });
  mkdirSync(join(root0, 'etc'), { recursive: true });
  mkdirSync(join(root1, 'etc'), { recursive: true });
  mkdirSync(join(root, 'boot'));
  const ids = {
    root0: await fsUuid(disks[0]!.parts[1]!.device),
    root1: await fsUuid(disks[1]!.parts[1]!.device),
    esp0: disks[0]!.parts[0]!.partUuid,
    esp1: disks[1]!.parts[0]!.partUuid,
    extra: extra > 0 ? await fsUuid(disks[0]!.parts[2]!.device) : '',
  };
  mkdirSync(join(efi0, 'loader/entries'), { recursive: true });
  writeFileSync(join(efi0, 'vmlinuz-linux'), 'kernel');
  writeFileSync(
    join(efi0, 'loader/entries/arch.conf'),
    `title Arch Linux\nlinux /vmlinuz-linux\noptions root=UUID=${ids.root0} rw\n`,
  );
  writeFileSync(
    join(root0, 'etc/fstab'),
    `UUID=${ids.root0} / ext4 rw 0 1\nUUID=${ids.root1} /mnt/root1 ext4 rw,nofail 0 2\nPARTUUID=${ids.esp0} /efi0 vfat rw 0 2\nPARTUUID=${ids.esp1} /efi1 vfat rw,nofail 0 2\n`,
  );
  writeFileSync(join(root0, 'etc/crypttab'), '# no LUKS here\n', { mode: 0o600 });
  chmodSync(join(root0, 'etc/crypttab'), 0o600);
  writeFileSync(join(root0, 'etc/hostname'), 'twin\n');
  const config = join(root, 'dualroot.conf');
  writeFileSync(
    config,
    `[bind]\ntarget = ${join(root, 'boot')}\n[sync:etc]\nsource = ${join(root0, 'etc')}\ndestinations = ${join(root1, 'etc')}\n`,
  );
  const env = {
    PATH: process.env.PATH,
    DUALROOT_CONFIG: config,
    DUALROOT_EFIVARS: efivarsFor(root, ids.esp0),
    DUALROOT_ESP_ROOT: root,
    DUALROOT_SYSFS: join(root, 'sys'),
    DUALROOT_RUN_DIR: join(root, 'run'),
    DUALROOT_FSTAB: join(root0, 'etc/fstab'),
  };
  const run = async (...argv: string[]) => {
    const r = await runProgram(sync, 'dualroot-sync', argv, env);
    return { ...r, out: `${r.stdout}\n${r.stderr}` };
  };
  return { efi0, efi1, root0, root1, ids, run };
}

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
