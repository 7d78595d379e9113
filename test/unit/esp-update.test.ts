import t from 'tap';
import { bootRank, type EspUpdate, planEspUpdate, STAGING_EXCLUDE } from '../../src/core/esp-update.js';
import { parseRsyncOutput, rsyncArgs } from '../../src/core/rsync.js';
import { runPlan, type SyncOps } from '../../src/core/sync-engine.js';
import type { Plan } from '../../src/core/sync-plan.js';
import { excludeMatcher } from '../../src/core/tree-compare.js';

// A kernel upgrade's preview as rsync itemizes it (%i %l %n, twice, --delete-delay): the kernel,
// its two images and the microcode change, a loader update, a new UKI directory, a new entry,
// an old kernel set and its entry going away.
const UPGRADE = [
  '.d..t...... 4096 ./',
  '>fc.t...... 12000000 vmlinuz-linux',
  '>fc.t...... 30000000 initramfs-linux.img',
  '>fc.t...... 60000000 initramfs-linux-fallback.img',
  '>fc.t...... 4000000 intel-ucode.img',
  '>fc.t...... 120000 EFI/systemd/systemd-bootx64.efi',
  'cd+++++++++ 4096 EFI/Linux/',
  'cd+++++++++ 4096 EFI/Linux/sub/',
  '>f+++++++++ 50000000 EFI/Linux/arch-linux.efi',
  '>fc.t...... 120 loader/loader.conf',
  '>f+++++++++ 300 loader/entries/arch-new.conf',
  '.f          300 loader/entries/arch.conf',
  '*deleting   0 vmlinuz-linux-lts',
  '*deleting   0 initramfs-linux-lts.img',
  '*deleting   0 loader/entries/lts.conf',
  '*deleting   0 old/',
  '*deleting   0 old/sub/',
  '*deleting   0 old/sub/x',
].join('\n');

t.test(
  'a staged update renames images before kernels, entries and loader.conf last, deletes at the end',
  async (t) => {
    const update = planEspUpdate(parseRsyncOutput(UPGRADE));
    t.same(update.groups, [
      ['EFI/systemd/systemd-bootx64.efi'],
      ['intel-ucode.img'],
      ['initramfs-linux-fallback.img', 'initramfs-linux.img'],
      ['EFI/Linux/arch-linux.efi', 'vmlinuz-linux'],
      ['loader/entries/arch-new.conf'],
      ['loader/loader.conf'],
    ]);
    t.same(update.directories, ['EFI/Linux', 'EFI/Linux/sub'], 'parents first');
    // The old entry goes before the kernel it names; directories after their contents, deepest first.
    t.same(update.deletions, [
      'loader/entries/lts.conf',
      'vmlinuz-linux-lts',
      'initramfs-linux-lts.img',
      'old/sub/x',
      'old/sub',
      'old',
    ]);
    const unchanged = planEspUpdate(parseRsyncOutput('.f          300 loader/entries/arch.conf'));
    t.same(
      unchanged,
      { directories: [], groups: [], deletions: [], retimes: [] },
      'kept entries are not staged',
    );
    const retimed = planEspUpdate(
      parseRsyncOutput('.f..t...... 300 EFI/BOOT/BOOTX64.EFI\n.d..t...... 0 EFI/'),
    );
    t.same(
      retimed.retimes,
      ['EFI/BOOT/BOOTX64.EFI'],
      'same contents, other time: the time is set, no data staged',
    );
    t.same(retimed.groups, []);
  },
);

t.test('boot ranks: FAT names are case-insensitive; each kind of boot file by its usual names', async (t) => {
  const ranks = Object.fromEntries(
    [
      'EFI/BOOT/BOOTX64.EFI',
      'amd-ucode.img',
      'INITRAMFS-LINUX.IMG',
      'initrd.img-6.1.0-13-amd64',
      'VMLINUZ-LINUX',
      'vmlinuz-6.1.0-13-amd64',
      'Loader/Entries/a.conf',
      'LOADER/LOADER.CONF',
    ].map((p) => [p, bootRank(p)]),
  );
  t.same(ranks, {
    'EFI/BOOT/BOOTX64.EFI': 0,
    'amd-ucode.img': 1,
    'INITRAMFS-LINUX.IMG': 2,
    'initrd.img-6.1.0-13-amd64': 2,
    'VMLINUZ-LINUX': 3,
    'vmlinuz-6.1.0-13-amd64': 3,
    'Loader/Entries/a.conf': 4,
    'LOADER/LOADER.CONF': 5,
  });
});

t.test('the staging directory is excluded from the copy, its deletions and the comparison', async (t) => {
  const excluded = excludeMatcher([STAGING_EXCLUDE]);
  t.ok(excluded('.dualroot-staging', true));
  t.notOk(excluded('.dualroot-staging', false), 'a file of that name is not the staging directory');
  t.notOk(excluded('EFI/.dualroot-staging', true), 'anchored at the root');
  const job = { item: 'esp', source: '/efi0', destination: '/efi1', fat: true, exclude: [STAGING_EXCLUDE] };
  t.ok(rsyncArgs(job, { dryRun: true, extra: [] }).includes('--exclude=/.dualroot-staging/'));
});

const plan: Plan = {
  jobs: [{ item: 'esp', source: '/efi0', destination: '/efi1', fat: true, exclude: [] }],
  refusals: [],
  warnings: [],
  notes: [],
};

/** Ops with a staged update that records what it was given and ends as `outcome` says. */
function stagedOps(outcome: Awaited<ReturnType<NonNullable<SyncOps['staged']>>>, leftover: boolean) {
  const calls: string[] = [];
  const updates: EspUpdate[] = [];
  const ops: SyncOps = {
    rsync: async (args) => {
      calls.push(args.includes('--dry-run') ? 'preview' : 'rsync');
      return { exitCode: 0, stdout: UPGRADE, stderr: '' };
    },
    flush: async () => {
      calls.push('flush');
    },
    cleanup: async () => {
      calls.push('cleanup');
    },
    now: () => 0,
    staged: async (_job, update) => {
      calls.push('staged');
      updates.push(update);
      return outcome;
    },
    clearStaging: async () => {
      calls.push('clear');
      return leftover;
    },
  };
  return { calls, updates, ops };
}

t.test('the engine stages an ESP update instead of rsync in place, after clearing a leftover', async (t) => {
  const { calls, updates, ops } = stagedOps({ step: 'done', files: 9, bytes: 1000 }, true);
  const report = await runPlan(plan, ops, { dryRun: false, rsyncOptions: [] });
  t.same(calls, ['clear', 'preview', 'staged'], 'one dry run, no rsync in place');
  t.equal(report.exitCode, 0);
  t.match(report.results[0], { status: 'ok', changes: { files: 9, bytes: 1000 } });
  t.equal(updates[0]?.groups.at(-1)?.[0], 'loader/loader.conf');
  t.match(report.notes, [/^removed \/efi1\/\.dualroot-staging, left by an interrupted sync/]);

  const dry = stagedOps({ step: 'done', files: 0, bytes: 0 }, true);
  await runPlan(plan, dry.ops, { dryRun: true, rsyncOptions: [] });
  t.same(dry.calls, ['preview'], 'a dry run neither clears nor stages');
});

t.test('a staged update that fails says what is true of the destination', async (t) => {
  const copy = stagedOps(
    { step: 'copy', exitCode: 11, stdout: '', stderr: 'No space left on device (28)\n' },
    false,
  );
  const failed = await runPlan(plan, copy.ops, { dryRun: false, rsyncOptions: [] });
  t.equal(failed.exitCode, 1);
  t.match(failed.results[0]?.message, /^rsync exit 11 .*the previous complete copy is still in place$/);
  t.same(failed.notes, [], 'no leftover, no note');
  const stage = stagedOps({ step: 'stage', error: "EIO: i/o error, copyfile 'a' -> 'b'" }, false);
  const unstaged = await runPlan(plan, stage.ops, { dryRun: false, rsyncOptions: [] });
  t.equal(unstaged.exitCode, 1);
  t.match(
    unstaged.results[0]?.message,
    /^copying the changed files into \.dualroot-staging failed: EIO: i\/o error, copyfile 'a' -> 'b'; nothing was renamed into place: the previous complete copy is still in place$/,
  );
  const rename = stagedOps({ step: 'rename', error: 'EIO: i/o error' }, false);
  const half = await runPlan(plan, rename.ops, { dryRun: false, rsyncOptions: [] });
  t.match(
    half.results[0]?.message,
    /^renaming the staged files into place failed: EIO.*new files next to old/,
  );
});
