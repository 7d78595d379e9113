// dualroot-migrate on loop-mounted file systems: each translated old config, run with
// dualroot-sync --test, would copy exactly the files the old tool's rsync commands (with rsync -n)
// would have copied; --write's refusals, backup and mode.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { main as migrate } from '../../src/cli/migrate.js';
import { main as sync } from '../../src/cli/sync.js';
import { makeDisk, mount, runProgram, type SimMachine, twoDiskMachine } from '../helpers/sim.js';
import { bytes, writeTree } from '../helpers/tree.js';

const TREE = {
  'etc/fstab': 'UUID=disk0 / ext4 rw 0 1\n',
  'etc/hostname': 'twin\n',
  'etc/pacman.d/mirrorlist': 'Server = https://example.org\n',
  'etc/x.pacnew': 'new\n',
  'boot/vmlinuz-linux': bytes(20_000, 1),
  'boot/loader/entries/arch.conf': 'options root=UUID=disk0\n',
  'home/gene/notes.txt': 'hello\n',
  'home/gene/.cache/big.bin': bytes(10_000, 2),
  'home/gene/draft.tmp': 'tmp\n',
  'home/lost+found/orphan': 'x\n',
  'srv/www/index.html': '<p>hi</p>\n',
};

/** A machine with a source tree, a second root mounted at mnt/root1 and a backup disk at mnt/backup. */
async function machine(t: Test) {
  const m = await twoDiskMachine(t);
  const src = join(m.root, 'src');
  writeTree(src, TREE);
  execFileSync('mkfifo', [join(src, 'etc/initctl.fifo')]);
  execFileSync('mkfifo', [join(src, 'home/gene/socket.fifo')]);
  const mnt = { root1: join(m.root, 'mnt/root1'), backup: join(m.root, 'mnt/backup') };
  for (const dir of Object.values(mnt)) {
    const disk = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 24, fs: 'ext4' }]);
    await mount(t, disk.parts[0]!.device, dir);
  }
  return { m, src, mnt };
}

/** What rsync -n, run as the old tool ran it, would create: absolute destination paths. */
async function oldRsync(source: string, dests: string[], excludes: string[]): Promise<Set<string>> {
  const created = new Set<string>();
  for (const dest of dests) {
    const args = [
      '-n',
      '-axHAX',
      '--no-specials',
      '--atimes',
      '--open-noatime',
      '--exclude=/lost+found/',
      '--delete',
    ];
    const r = await execa('rsync', [
      ...args,
      ...excludes.map((e) => `--exclude=${e}`),
      '--itemize-changes',
      source,
      dest,
    ]);
    for (const line of r.stdout.split('\n')) {
      const m = line.match(/^[<>c][fdL]\+{9} (.+)$/);
      if (m) created.add(posix.join(dest, m[1]!.replace(/\/$/, '')));
    }
  }
  return created;
}

/** What dualroot-sync --test would create with the installed translation: absolute paths. */
async function newSync(t: Test, m: SimMachine): Promise<Set<string>> {
  const r = await runProgram(sync, 'dualroot-sync', ['--test', '--json'], m.env);
  t.equal(r.code, 0, r.stderr);
  const created = new Set<string>();
  for (const result of JSON.parse(r.stdout).results)
    for (const p of result.changes.created) created.add(posix.join(result.destination, p.replace(/\/$/, '')));
  for (const p of [...created]) if (p.endsWith('/.')) created.delete(p);
  return created;
}

/** Translates and installs an old config on the machine; returns the captured run. */
async function install(m: SimMachine, old: string, ...argv: string[]) {
  const file = join(m.root, 'sync-daemon.conf');
  writeFileSync(file, old);
  return runProgram(migrate, 'dualroot-migrate', ['--write', '--force', ...argv, file], m.env);
}

const examples = (src: string, mnt: { root1: string; backup: string }) => ({
  "approach 2's list (trailing-slash-less sources into the other root, per-disk files excluded)": {
    old: `dualroot = false\nsync = [\n  ["${src}/etc", "${mnt.root1}/", ["/etc/fstab", "*.pacnew"]],\n  ["${src}/boot", "${mnt.root1}/", ["/boot/loader"]],\n  ["${src}/srv", "${mnt.root1}/"],\n]\n`,
    rsync: [
      [`${src}/etc`, [`${mnt.root1}/`], ['/etc/fstab', '*.pacnew']],
      [`${src}/boot`, [`${mnt.root1}/`], ['/boot/loader']],
      [`${src}/srv`, [`${mnt.root1}/`], []],
    ],
    made: ['etc', 'boot', 'srv'].map((d) => join(mnt.root1, d)),
  },
  'the /home backup (contents, two destinations, patterns)': {
    old: `dualroot = false\nsync = ["${src}/home/", ["${mnt.backup}/home/", "${mnt.root1}/home"], ["/gene/.cache/", "*.tmp"]]\n`,
    rsync: [[`${src}/home/`, [`${mnt.backup}/home/`, `${mnt.root1}/home`], ['/gene/.cache/', '*.tmp']]],
    made: [join(mnt.backup, 'home'), join(mnt.root1, 'home')],
  },
});

for (const name of [
  "approach 2's list (trailing-slash-less sources into the other root, per-disk files excluded)",
  'the /home backup (contents, two destinations, patterns)',
]) {
  t.test(`${name}: dualroot-sync --test would copy what the old rsync would`, async (t) => {
    const { m, src, mnt } = await machine(t);
    const example = examples(src, mnt)[name as keyof ReturnType<typeof examples>];
    // dualroot writes only destinations that exist; the old rsync made them itself.
    for (const dir of example.made) mkdirSync(dir, { recursive: true });
    const r = await install(m, example.old);
    t.equal(r.code, 0, r.stderr);
    let expected = new Set<string>();
    for (const [source, dests, excludes] of example.rsync as [string, string[], string[]][])
      expected = new Set([...expected, ...(await oldRsync(source, dests, excludes))]);
    const actual = await newSync(t, m);
    t.ok(expected.size > 3, `the old rsync would copy something (${expected.size} paths)`);
    t.same([...actual].sort(), [...expected].sort(), 'the same files, in the same places');
    t.notOk(
      [...actual].some((p) => p.endsWith('.fifo')),
      'no FIFOs (--no-specials)',
    );
  });
}

t.test("the documentation's sample file, under a scratch root: the same copies", async (t) => {
  const { m, src, mnt } = await machine(t);
  const sample = readFileSync(
    join(import.meta.dirname, '../fixtures/dual-root/sample-approach2.conf'),
    'utf8',
  )
    .replace(/"\/mnt\/root1\//g, `"${mnt.root1}/`)
    .replace(/\["\/(efi\/EFI|bin|lib|lib64|opt)".*\n/g, '')
    .replace(/\["\/(boot|etc|srv|home)"/g, `["${src}/$1"`);
  for (const d of ['boot', 'etc', 'srv', 'home']) mkdirSync(join(mnt.root1, d), { recursive: true });
  const r = await install(m, sample);
  t.equal(r.code, 0, r.stderr);
  let expected = new Set<string>();
  for (const [d, ex] of [
    ['boot', ['/boot/loader']],
    ['etc', ['/etc/fstab']],
    ['srv', []],
    ['home', []],
  ] as const)
    expected = new Set([...expected, ...(await oldRsync(`${src}/${d}`, [`${mnt.root1}/`], [...ex]))]);
  t.same([...(await newSync(t, m))].sort(), [...expected].sort());
});

t.test('approach 1 with nothing: the ESPs as the old rsync, except the per-ESP random seed', async (t) => {
  const { m } = await machine(t);
  writeTree(m.efi[0]!, { 'EFI/BOOT/BOOTX64.EFI': bytes(1000, 1), 'loader/random-seed': bytes(32, 2) });
  t.equal((await install(m, '')).code, 0);
  const expected = await oldRsync(`${m.efi[0]}/`, [`${m.efi[1]}/`], []);
  const actual = await newSync(t, m);
  t.same(
    [...expected].filter((p) => !actual.has(p)),
    [join(m.efi[1]!, 'loader/random-seed')],
    'only the seed differs',
  );
  t.same(
    [...actual].filter((p) => !expected.has(p)),
    [],
  );
});

t.test(
  '--write: refuses a config of its own without --force, backs it up with it, root:root 644',
  async (t) => {
    const { m, src, mnt } = await machine(t);
    const old = join(m.root, 'old.conf');
    writeFileSync(old, `sync = ["${src}/etc", "${mnt.root1}/"]\n`);
    const before = readFileSync(m.config, 'utf8');
    const refused = await runProgram(migrate, 'dualroot-migrate', ['--write', old], m.env);
    t.equal(refused.code, 2);
    t.match(refused.stderr, /sets options of its own; nothing written/);
    t.equal(readFileSync(m.config, 'utf8'), before, 'untouched');
    const forced = await runProgram(migrate, 'dualroot-migrate', ['--write', '--force', old], m.env);
    t.equal(forced.code, 0, forced.stderr);
    t.equal(readFileSync(`${m.config}.bak`, 'utf8'), before, 'the old file kept');
    t.match(forced.stderr, /\/mnt\/root1\/etc is not on a mounted second disk|kept as/);
    const st = statSync(m.config);
    t.same([st.mode & 0o777, st.uid, st.gid], [0o644, 0, 0]);
    t.match(readFileSync(m.config, 'utf8'), /\[sync:[\w-]+etc\]\n; from sync item 1/);
    const bad = await runProgram(
      migrate,
      'dualroot-migrate',
      ['--write', '--force', join(m.root, 'missing.conf')],
      m.env,
    );
    t.equal(bad.code, 2);
    t.notOk(existsSync(`${m.config}.bak.1`), 'nothing written on an error');
  },
);

t.test('a no-slash source that is a symlink is refused: rsync copied the link', async (t) => {
  const { m, src, mnt } = await machine(t);
  symlinkSync('etc', join(src, 'etc-link'));
  const r = await install(m, `sync = ["${src}/etc-link", "${mnt.root1}/"]\n`);
  t.equal(r.code, 2);
  t.match(r.stderr, /is a symbolic link \(to etc\).*copied the link itself/);
});
