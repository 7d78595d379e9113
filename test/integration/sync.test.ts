// dualroot-sync on loop disks with real rsync: ESP copies (fresh, incremental, deletions, --test, staged,
// room), approach 2 items, config errors.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { makeDisk, mount, runProgram, twoDiskMachine } from '../helpers/sim.js';
import { bytes, snapshot, writeTree } from '../helpers/tree.js';

const run = (env: NodeJS.ProcessEnv, ...argv: string[]) => runProgram(sync, 'dualroot-sync', argv, env);

const ESP_TREE = {
  'EFI/BOOT/BOOTX64.EFI': bytes(100_000, 1),
  'EFI/systemd/systemd-bootx64.efi': bytes(100_000, 1),
  'vmlinuz-linux': bytes(1_000_000, 2),
  'initramfs-linux.img': bytes(500_000, 3),
  'loader/loader.conf': 'default arch.conf\ntimeout 3\n',
  'loader/entries/arch.conf': 'title Arch Linux\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\n',
  'loader/random-seed': bytes(32, 4),
};

/** The source tree minus what is excluded by default. */
const expected = (tree: Record<string, string>) => {
  const copy = { ...tree };
  delete copy['loader/random-seed'];
  return copy;
};

t.test('ESP sync: fresh copy, incremental, deletion, default exclude, state file', async (t) => {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, ESP_TREE);
  writeTree(m.efi[1]!, { 'loader/random-seed': bytes(32, 9), 'stale.txt': 'old' });
  const ownSeed = readFileSync(join(m.efi[1]!, 'loader/random-seed'));

  const fresh = await run(m.env);
  t.equal(fresh.code, 0, fresh.stderr);
  t.match(
    fresh.stdout,
    new RegExp(`^esp: ${m.efi[0]} -> ${m.efi[1]}: 6 files, 1\\.6 MiB, 1 deleted, \\d+\\.\\d s$`),
  );
  const after = snapshot(m.efi[1]!);
  t.same(
    { ...after, 'loader/random-seed': undefined },
    { ...expected(snapshot(m.efi[0]!)), 'loader/random-seed': undefined },
  );
  t.notOk(existsSync(join(m.efi[1]!, 'stale.txt')), 'deleted what the source does not have');
  t.same(readFileSync(join(m.efi[1]!, 'loader/random-seed')), ownSeed, 'each ESP keeps its own random seed');

  const state = JSON.parse(readFileSync(join(m.runDir, 'sync-state.json'), 'utf8'));
  t.match(state.items.esp, {
    source: m.efi[0],
    destinations: { [m.efi[1]!]: { ok: true, status: 'ok', files: 6 } },
  });

  const idle = await run(m.env);
  t.equal(idle.code, 0);
  t.match(idle.stdout, /: 0 files, 0 B,/, 'nothing changed: nothing copied');

  writeFileSync(join(m.efi[0]!, 'vmlinuz-linux'), bytes(1_200_000, 5));
  rmSync(join(m.efi[0]!, 'loader/entries/arch.conf'));
  const incremental = await run(m.env);
  t.equal(incremental.code, 0);
  t.match(incremental.stdout, /: 1 file, 1\.1 MiB,/);
  t.same(readFileSync(join(m.efi[1]!, 'vmlinuz-linux')), readFileSync(join(m.efi[0]!, 'vmlinuz-linux')));
  t.notOk(existsSync(join(m.efi[1]!, 'loader/entries/arch.conf')), 'deletion propagated');

  const quiet = await run(m.env, '--quiet');
  t.equal(quiet.code, 0);
  t.equal(quiet.stdout + quiet.stderr, '', '--quiet prints nothing when all is well');

  const json = JSON.parse((await run(m.env, '--json')).stdout);
  t.match(json, {
    dryRun: false,
    exitCode: 0,
    booted: { evidence: 'LoaderDevicePartUUID' },
    results: [{ item: 'esp', status: 'ok' }],
  });
});

t.test('--test lists creates, updates and deletes and changes nothing', async (t) => {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, {
    'vmlinuz-linux': 'new kernel',
    'loader/entries/arch.conf': 'entry',
    'EFI/BOOT/BOOTX64.EFI': 'loader',
  });
  writeTree(m.efi[1]!, {
    'vmlinuz-linux': 'old kernel',
    'old-initramfs.img': 'gone',
    'EFI/BOOT/BOOTX64.EFI': 'loader',
  });
  await execa('touch', ['-d', '2020-01-01', join(m.efi[1]!, 'vmlinuz-linux')]);
  const before = snapshot(m.efi[1]!);
  const result = await run(m.env, '--test');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /would create 3, update 1, delete 1/);
  t.match(result.stdout, /^ {2}create loader\/entries\/arch.conf$/m);
  t.match(result.stdout, /^ {2}update vmlinuz-linux$/m);
  t.match(result.stdout, /^ {2}delete old-initramfs.img$/m);
  t.same(snapshot(m.efi[1]!), before, 'destination unchanged');
  t.notOk(existsSync(join(m.runDir, 'sync-state.json')), 'a dry run records no state');
});

t.test(
  'refusals: unmounted destination is degraded; same filesystem and non-ESP mounts are refused',
  async (t) => {
    const m = await twoDiskMachine(t, { mountEfi1: false });
    writeTree(m.efi[0]!, { 'vmlinuz-linux': 'k' });
    const result = await run(m.env);
    t.equal(result.code, 3, 'degraded');
    t.match(
      result.stderr,
      new RegExp(
        `${m.efi[1]}: skipped: ${m.efi[1]} is not a mount point \\(${m.fstab} line 2 mounts PARTUUID=${m.disks[1]!.parts[0]!.partUuid} there\\): its disk is missing or not mounted`,
      ),
    );
    t.match(
      result.stderr,
      /ESP \/dev\/loop\d+p1 on \/dev\/loop\d+ \(PARTUUID [0-9a-f-]+\) is not mounted at any ESP mount point/,
    );
    t.same(snapshot(m.efi[1]!), {}, 'nothing written into the empty mount point');

    await execa('mount', ['--bind', m.efi[0]!, m.efi[1]!]);
    const same = await run(m.env);
    t.equal(same.code, 1);
    t.match(same.stderr, /refused: .*efi1 is the same filesystem as the source .*efi0 \(device \d+:\d+\)/);
    await execa('umount', [m.efi[1]!]);

    const plain = await makeDisk(t, m.root, [{ type: 'linux', sizeMiB: 16 }]);
    await mount(t, plain.parts[0]!.device, m.efi[1]!);
    const notEsp = await run(m.env);
    t.equal(notEsp.code, 1);
    t.match(notEsp.stderr, /is mounted from \/dev\/loop\d+p1, which is not an EFI System Partition/);
    t.notOk(existsSync(join(m.efi[1]!, 'vmlinuz-linux')), 'the non-ESP was not written');
  },
);

t.test('a destination too small for the staged copy is refused before writing, untouched', async (t) => {
  // A smaller second ESP: the new kernel set fits the source but not beside the old one.
  const m = await twoDiskMachine(t, { espMiB: [32, 8] });
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(2_000_000, 1), 'initramfs-linux.img': bytes(2_000_000, 2) });
  const first = await run(m.env);
  t.equal(first.code, 0, first.stderr);
  const previous = snapshot(m.efi[1]!);
  writeTree(m.efi[0]!, { 'vmlinuz-linux': bytes(3_000_000, 3), 'initramfs-linux.img': bytes(4_000_000, 4) });
  const result = await run(m.env);
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    new RegExp(
      `failed: needs 6\\.7 MiB, has \\d\\.\\d MiB free on ${m.efi[1]}; remove old kernels .*${m.efi[1]} was not changed`,
    ),
  );
  t.notMatch(result.stderr, /rsync exit/, 'refused before rsync wrote anything');
  t.same(snapshot(m.efi[1]!), previous, 'old kernel and initramfs intact, no leftovers');
  const state = JSON.parse(readFileSync(join(m.runDir, 'sync-state.json'), 'utf8'));
  t.match(state.items.esp.destinations[m.efi[1]!], { ok: false, status: 'failed', lastSuccess: String });
});

t.test('approach 2 items: metadata kept, destination on another filesystem only', async (t) => {
  const m = await twoDiskMachine(t);
  const disk = await makeDisk(t, m.root, [
    { type: 'linux', sizeMiB: 24 },
    { type: 'linux', sizeMiB: 120, fs: 'btrfs' },
  ]);
  const src = join(m.root, 'root0');
  const dst = join(m.root, 'root1');
  await mount(t, disk.parts[0]!.device, src);
  await mount(t, disk.parts[1]!.device, dst);
  writeTree(join(src, 'etc'), {
    hostname: 'box\n',
    fstab: 'UUID=a / btrfs\n',
    'pacman.d/mirrorlist': 'Server = x\n',
  });
  await execa('chmod', ['600', join(src, 'etc/hostname')]);
  await execa('ln', ['-s', 'hostname', join(src, 'etc/link')]);
  mkdirSync(join(dst, 'etc'));
  writeFileSync(join(dst, 'etc/fstab'), 'UUID=b / btrfs\n');
  writeFileSync(
    m.config,
    `[esp]\nsync = false\n[sync:etc]\nsource = ${join(src, 'etc')}\ndestinations = ${join(dst, 'etc')}, ${join(m.root, 'absent/etc')}\nexclude = /fstab\n`,
  );
  const result = await run(m.env);
  t.equal(result.code, 3, 'one destination missing: degraded, the other done');
  t.match(result.stdout, /etc: .*root0\/etc -> .*root1\/etc: 2 files/);
  t.match(result.stderr, /absent\/etc does not exist \(is the other disk mounted\?\)/);
  t.equal(readFileSync(join(dst, 'etc/fstab'), 'utf8'), 'UUID=b / btrfs\n', 'excluded per-disk file kept');
  const { stat, readlink } = await import('node:fs/promises');
  t.equal(((await stat(join(dst, 'etc/hostname'))).mode & 0o777).toString(8), '600', 'permissions kept');
  t.equal(await readlink(join(dst, 'etc/link')), 'hostname', 'symlink kept');

  // The destination directory on the root filesystem (its disk unmounted) is refused.
  writeFileSync(
    m.config,
    `[esp]\nsync = false\n[sync:etc]\nsource = ${join(src, 'etc')}\ndestinations = /var/tmp/dualroot-not-a-disk\n`,
  );
  mkdirSync('/var/tmp/dualroot-not-a-disk', { recursive: true });
  t.teardown(() => rmSync('/var/tmp/dualroot-not-a-disk', { recursive: true, force: true }));
  const onRoot = await run(m.env);
  t.equal(onRoot.code, 3);
  t.match(onRoot.stderr, /dualroot-not-a-disk is on the root filesystem, not on a mounted second disk/);
  t.same(snapshot('/var/tmp/dualroot-not-a-disk'), {});

  // Same filesystem as the source.
  mkdirSync(join(src, 'copy'));
  writeFileSync(
    m.config,
    `[esp]\nsync = false\n[sync:etc]\nsource = ${join(src, 'etc')}\ndestinations = ${join(src, 'copy')}\n`,
  );
  const same = await run(m.env);
  t.equal(same.code, 1);
  t.match(same.stderr, /copy is on the same filesystem as its source/);

  // Missing source.
  writeFileSync(
    m.config,
    `[esp]\nsync = false\n[sync:gone]\nsource = ${join(src, 'gone')}\ndestinations = ${join(dst, 'etc')}\n`,
  );
  const missing = await run(m.env);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /refused: source .*root0\/gone does not exist/);
});

t.test('config errors exit 2 naming file, section and key', async (t) => {
  const m = await twoDiskMachine(t);
  writeFileSync(m.config, `[sync:etc]\nsource = /etc\ndestinations = /etc/copy\n`);
  const overlap = await run(m.env);
  t.equal(overlap.code, 2);
  t.match(
    overlap.stderr,
    `dualroot-sync: error: ${m.config} [sync:etc] destinations: /etc/copy and the source /etc overlap`,
  );
  t.match(overlap.stderr, /fix: a destination must live on another disk/);
  writeFileSync(m.config, '[esp]\nsync = yes please\n');
  t.match((await run(m.env)).stderr, `${m.config} line 2 [esp] sync: "yes please" is not a boolean`);
  await execa('chmod', ['666', m.config]);
  const unsafe = await run(m.env);
  t.equal(unsafe.code, 2);
  t.match(unsafe.stderr, /writable by group or others \(mode 666\)/);
  // The pacman hook says the same in pacman's style, and says nothing was synced.
  const hook = await run(m.env, '--hook');
  t.equal(hook.code, 2);
  t.match(hook.stderr, /^==> ERROR: dualroot-sync did not run: .*writable by group or others \(mode 666\)$/m);
  t.match(hook.stderr, /^ {2}then run dualroot-sync: no ESP has been synced since this transaction$/m);
  t.notMatch(hook.stderr, /dualroot-sync: error:/);
  const usage = await run(m.env, '--frobnicate');
  t.equal(usage.code, 2);
  t.match(usage.stderr, /Unknown argument: frobnicate/);
});
