import t from 'tap';
import { kernelSets, spaceRefusal, stagedBytes, upgradeRoomWarning } from '../../src/core/esp-space.js';
import { runPlan, type SyncOps } from '../../src/core/sync-engine.js';
import type { Plan } from '../../src/core/sync-plan.js';
import type { TreeEntry } from '../../src/core/tree-compare.js';

const MIB = 1024 * 1024;

t.test(
  'a staged copy needs every changed file rounded up to clusters, plus the staging directory',
  async (t) => {
    t.equal(stagedBytes(0, 0, 4096), 0, 'nothing changed: nothing needed');
    t.equal(stagedBytes(10 * MIB, 2, 4096), 10 * MIB + 3 * 4096);
  },
);

t.test('the refusal names both figures, the destination and what to do', async (t) => {
  t.equal(spaceRefusal(10 * MIB, 10 * MIB, '/efi1'), undefined, 'exactly fits');
  t.equal(
    spaceRefusal(60 * MIB + 1, 12 * MIB, '/efi1'),
    'needs 60.0 MiB, has 12.0 MiB free on /efi1; remove old kernels or other unneeded files (from the source and from /efi1), or give the ESP more room, then sync again; /efi1 was not changed',
  );
});

const file = (size: number): TreeEntry => ({ type: 'file', size, mtime: 0 });

t.test('kernel sets: vmlinuz-NAME with its initramfs images, largest first', async (t) => {
  const listing = new Map<string, TreeEntry>([
    ['vmlinuz-linux', file(12 * MIB)],
    ['initramfs-linux.img', file(30 * MIB)],
    ['initramfs-linux-fallback.img', file(80 * MIB)],
    ['vmlinuz-linux-lts', file(11 * MIB)],
    ['initramfs-linux-lts.img', file(28 * MIB)],
    ['intel-ucode.img', file(7 * MIB)],
    ['EFI', { type: 'dir', size: 0, mtime: 0 }],
    ['EFI/vmlinuz-other', file(1)],
  ]);
  t.same(kernelSets(listing), [
    {
      name: 'linux',
      files: ['vmlinuz-linux', 'initramfs-linux.img', 'initramfs-linux-fallback.img'],
      bytes: 122 * MIB,
    },
    { name: 'linux-lts', files: ['vmlinuz-linux-lts', 'initramfs-linux-lts.img'], bytes: 39 * MIB },
  ]);
  t.same(kernelSets(new Map()), [], 'no kernel: no set');
});

t.test('an ESP that could not hold a second copy of its largest set is warned about', async (t) => {
  const set = { name: 'linux', files: ['vmlinuz-linux', 'initramfs-linux.img'], bytes: 40 * MIB };
  t.equal(upgradeRoomWarning(set, { free: 41 * MIB, blockSize: 4096 }, '/efi1'), undefined);
  t.equal(
    upgradeRoomWarning(set, { free: 39 * MIB, blockSize: 4096 }, '/efi1'),
    '/efi1 has 39.0 MiB free, but the next upgrade of kernel linux (vmlinuz-linux, initramfs-linux.img: 40.0 MiB) needs about 40.0 MiB while the new files sit beside the old',
  );
});

// A preview's itemized lines (%i %l %n, as rsyncArgs asks): `files` new files of `bytes` in all.
const preview = (bytes: number, files: number) =>
  Array.from({ length: files }, (_, i) => `>f+++++++++ ${bytes / files} initramfs-${i}.img\n`).join('');

function ops(free: number, calls: string[]): SyncOps {
  return {
    rsync: async (args) => {
      calls.push(args.includes('--dry-run') ? 'preview' : 'rsync');
      return { exitCode: 0, stdout: preview(20 * MIB, 2), stderr: '' };
    },
    flush: async () => {
      calls.push('flush');
    },
    cleanup: async () => {
      calls.push('cleanup');
    },
    now: () => 0,
    space: async () => ({ free, blockSize: 4096 }),
  };
}

const plan: Plan = {
  jobs: [{ item: 'esp', source: '/efi0', destination: '/efi1', fat: true, exclude: [] }],
  refusals: [],
  warnings: [],
  notes: [],
};

t.test('the engine previews an ESP copy and writes nothing when it does not fit', async (t) => {
  const calls: string[] = [];
  const report = await runPlan(plan, ops(10 * MIB, calls), { dryRun: false, rsyncOptions: [] });
  t.same(calls, ['preview'], 'no rsync that writes, no cleanup, no flush');
  t.equal(report.exitCode, 1);
  t.match(report.results[0], {
    status: 'failed',
    message: /^needs 20\.0 MiB, has 10\.0 MiB free on \/efi1;/,
  });

  const fits: string[] = [];
  const ok = await runPlan(plan, ops(21 * MIB, fits), { dryRun: false, rsyncOptions: [] });
  t.same(fits, ['preview', 'rsync', 'flush']);
  t.equal(ok.exitCode, 0);

  const dry: string[] = [];
  await runPlan(plan, ops(0, dry), { dryRun: true, rsyncOptions: [] });
  t.same(dry, ['preview'], 'a dry run is its own preview: no space check');
});
