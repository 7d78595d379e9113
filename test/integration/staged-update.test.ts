// The staged ESP update on real filesystems with real rsync: a run cut (SIGKILL, by the
// DUALROOT_TEST_CUT hook) after staging or between renames, a copy that fails, the status view.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { main as sync } from '../../src/cli/sync.js';
import { planEspUpdate, stagedFailure } from '../../src/core/esp-update.js';
import { parseRsyncOutput, rsyncArgs } from '../../src/core/rsync.js';
import type { Job } from '../../src/core/sync-plan.js';
import { syncfs } from '../../src/sys/flush.js';
import { runRsync } from '../../src/sys/rsync.js';
import { applyStagedUpdate } from '../../src/sys/staged-update.js';
import { bundle } from '../helpers/bundle.js';
import { runProgram, type SimMachine, twoDiskMachine } from '../helpers/sim.js';
import { healthyMachine, runStatus } from '../helpers/status-machine.js';
import { bytes, snapshot, writeTree } from '../helpers/tree.js';

const STAGING = '.dualroot-staging';
const run = (env: NodeJS.ProcessEnv) => runProgram(sync, 'dualroot-sync', [], env);

/** A destination's files, the staging directory and the given extra names left out. */
function files(dir: string, ...without: string[]): Record<string, string> {
  const all = snapshot(dir);
  return Object.fromEntries(
    Object.entries(all).filter(([p]) => !p.startsWith(`${STAGING}/`) && !without.includes(p)),
  );
}

/** A machine whose ESP 1 holds kernel set 1 (synced), and whose ESP 0 now holds set 2 (not yet synced). */
async function upgraded(t: Test): Promise<{ m: SimMachine; old: Record<string, string> }> {
  const m = await twoDiskMachine(t);
  writeTree(m.efi[0]!, {
    'vmlinuz-linux': bytes(2_000_000, 1),
    'initramfs-linux.img': bytes(3_000_000, 2),
    'loader/entries/arch.conf': 'title Arch\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\n',
    'vmlinuz-linux-lts': bytes(1_000_000, 3),
  });
  t.equal((await run(m.env)).code, 0);
  const old = files(m.efi[1]!);
  writeTree(m.efi[0]!, {
    'vmlinuz-linux': bytes(2_100_000, 4),
    'initramfs-linux.img': bytes(3_100_000, 5),
    'loader/entries/arch.conf': 'title Arch 2\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\n',
  });
  rmSync(join(m.efi[0]!, 'vmlinuz-linux-lts'));
  return { m, old };
}

/** Runs the built dualroot-sync as a process that kills itself (SIGKILL) at `cut`. */
async function cutRun(m: SimMachine, cut: string) {
  const result = await execa('node', [bundle('dualroot-sync')], {
    env: { ...m.env, DUALROOT_TEST_CUT: cut },
    reject: false,
  });
  return result;
}

t.test(
  'a run cut after staging leaves the old complete set; the next run removes the leftover and completes',
  async (t) => {
    const { m, old } = await upgraded(t);
    const cut = await cutRun(m, 'staged');
    t.equal(cut.signal, 'SIGKILL', cut.stderr);
    t.same(files(m.efi[1]!), old, 'every old file in place, nothing deleted');
    t.ok(
      existsSync(join(m.efi[1]!, STAGING, 'vmlinuz-linux')),
      'the new files wait in the staging directory',
    );
    const next = await run(m.env);
    t.equal(next.code, 0, next.stderr);
    t.match(next.stdout, new RegExp(`note: removed ${m.efi[1]}/${STAGING}, left by an interrupted sync`));
    t.same(snapshot(m.efi[1]!), snapshot(m.efi[0]!), 'repaired: the new set, the old kernel deleted');
    const again = await run(m.env);
    t.notMatch(again.stdout, /note: removed/, 'a finished run leaves no staging directory');
  },
);

/** The kernel and initramfs the destination's entry boots (its linux and initrd lines), by contents. */
function bootedPair(dir: string): [string | undefined, string | undefined] {
  const all = snapshot(dir);
  const entry = readFileSync(join(dir, 'loader/entries/arch.conf'), 'utf8');
  const path = (key: string) =>
    /^(\S+)\s+\/?(\S+)/.exec(entry.split('\n').find((l) => l.startsWith(key)) ?? '')?.[2];
  return [all[path('linux') ?? ''], all[path('initrd') ?? '']];
}

for (const point of ['redirected', 'renamed:1', 'renamed:2']) {
  t.test(`a cut at ${point}: the entry boots a matching pair, the next runs repair`, async (t) => {
    const { m, old } = await upgraded(t);
    const cut = await cutRun(m, point);
    t.equal(cut.signal, 'SIGKILL', cut.stderr);
    const source = snapshot(m.efi[0]!);
    const newPair = [source['vmlinuz-linux'], source['initramfs-linux.img']];
    t.same(bootedPair(m.efi[1]!), newPair, 'the entry boots the new kernel with the new initramfs');
    t.ok(files(m.efi[1]!)['vmlinuz-linux-lts'], 'nothing deleted before everything new is in place');
    t.notSame(files(m.efi[1]!)['loader/entries/arch.conf'], old['loader/entries/arch.conf'], 'redirected');
    // A second run cut right after its own staging: the leftover is settled before it is removed.
    const again = await cutRun(m, 'staged');
    t.equal(again.signal, 'SIGKILL', again.stderr);
    const pair = bootedPair(m.efi[1]!);
    t.ok(
      pair[0] !== undefined && pair[0] === newPair[0] && pair[1] === newPair[1],
      'a cut in the next run still boots a matching pair',
    );
    const next = await runProgram(sync, 'dualroot-sync', ['--hook'], m.env);
    t.equal(next.code, 0, next.stderr);
    t.match(next.stdout, /removed .*\.dualroot-staging, left by an interrupted sync/, 'the hook says so');
    t.same(snapshot(m.efi[1]!), source, 'repaired');
  });
}

/** Uses up all but one of a filesystem's free inodes with empty files in `dir` (no bytes: the space check passes). */
function exhaustInodes(fs: string, dir: string): void {
  mkdirSync(join(fs, dir));
  const free = Number(statfsSync(fs).ffree);
  for (let i = 0; i < free - 1; i++) writeFileSync(join(fs, dir, String(i)), '');
}

t.test('a copy into staging that fails (no inode left for the files) leaves the previous copy', async (t) => {
  const { m, old } = await upgraded(t);
  exhaustInodes(m.efi[1]!, 'filler');
  // The filler is on the destination only, so the run would delete it: allowed, as deletions come
  // after the staging copy this test makes fail.
  const result = await runProgram(sync, 'dualroot-sync', ['--allow-mass-delete'], m.env);
  t.equal(result.code, 1, result.stderr);
  t.match(
    result.stderr,
    /copying the changed files into \.dualroot-staging failed: ENOSPC: no space left on device, .*efi1\/\.dualroot-staging\/.*; nothing was renamed into place: the previous complete copy is still in place/,
  );
  const kept = Object.fromEntries(Object.entries(files(m.efi[1]!)).filter(([p]) => !p.startsWith('filler/')));
  t.same(kept, old, 'the old set, untouched');
  t.notOk(existsSync(join(m.efi[1]!, STAGING)), 'the staging directory is removed');
  rmSync(join(m.efi[1]!, 'filler'), { recursive: true });
  t.equal((await run(m.env)).code, 0, 'inodes again: the next run completes');
  t.same(snapshot(m.efi[1]!), snapshot(m.efi[0]!));
});

t.test(
  'staged by rsync (the daemon): a copy that fails (the disk fills up meanwhile) leaves the previous copy',
  async (t) => {
    const { m, old } = await upgraded(t);
    const [source, destination] = m.efi as [string, string];
    const job: Job = { item: 'esp', source, destination, fat: true, exclude: [] };
    const preview = await runRsync(rsyncArgs(job, { dryRun: true, extra: [], preview: true }));
    const update = planEspUpdate(parseRsyncOutput(preview.stdout));
    const outcome = await applyStagedUpdate(job, update, {
      // Another writer fills the destination just as the staging copy starts.
      rsync: async (args) => {
        await execa('dd', ['if=/dev/zero', `of=${join(destination, 'filler')}`, 'bs=1M'], { reject: false });
        return runRsync(args);
      },
      flush: syncfs,
      listFile: join(m.runDir, 'list'),
      stageByRsync: true,
    });
    t.match(outcome, { step: 'copy', exitCode: 11 });
    t.match(
      stagedFailure(outcome as Exclude<typeof outcome, { step: 'done' }>),
      /^rsync exit 11 .*No space left on device.*nothing was renamed into place: the previous complete copy is still in place$/,
    );
    t.same(files(destination, 'filler'), old, 'the old set, untouched');
    t.notOk(existsSync(join(destination, STAGING)), 'the staging directory is removed');
    t.notOk(existsSync(join(m.runDir, 'list')), 'and the file list');
  },
);

t.test('a leftover staging name that is a dangling link is removed, and the run completes', async (t) => {
  const { m } = await upgraded(t);
  // Not what a FAT can hold, but the same lie a FAT that lost writes tells: a name no lookup follows.
  symlinkSync(join(m.root, 'nowhere'), join(m.efi[1]!, STAGING));
  const result = await run(m.env);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /removed .*\.dualroot-staging, left by an interrupted sync/);
  t.same(snapshot(m.efi[1]!), snapshot(m.efi[0]!));
});

t.test('dualroot-status does not count a staging directory as a difference', async (t) => {
  const m = await healthyMachine(t);
  writeTree(m.efi[1]!, {
    [`${STAGING}/vmlinuz-linux`]: bytes(1000, 9),
    [`${STAGING}/loader/entries/x.conf`]: 'x',
  });
  const result = await runStatus(m.envx);
  t.equal(result.code, 0, result.stdout);
  t.match(result.stdout, /^ok {7}sync {6}esp: .*efi1 matches .*efi0/m);
});

t.test(
  'a file with the same contents but another time (bootctl on a new disk) gets the source time',
  async (t) => {
    const m = await healthyMachine(t);
    const loader = 'EFI/BOOT/BOOTX64.EFI';
    // What `bootctl install` on a new ESP leaves: the same loader, written now rather than when the source's was.
    utimesSync(join(m.efi[1]!, loader), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const before = await runStatus(m.envx);
    t.equal(before.code, 3, 'the status sees the time difference');
    t.match(before.stdout, /differs EFI\/BOOT\/BOOTX64\.EFI/);
    const result = await run(m.envx);
    t.equal(result.code, 0, result.stderr);
    t.equal(
      Math.floor(statSync(join(m.efi[1]!, loader)).mtimeMs / 1000),
      Math.floor(statSync(join(m.efi[0]!, loader)).mtimeMs / 1000),
      'the copy has the source time',
    );
    const after = await runStatus(m.envx);
    t.equal(after.code, 0, after.stdout);
    t.notOk(existsSync(join(m.efi[1]!, STAGING)), 'nothing left staged');
  },
);
