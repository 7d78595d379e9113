// The flushes of a staged ESP update (real rsync, loop-mounted filesystems): one after the staging
// copy, one after each rename group, one at the end; with nothing to delete the last group's flush is
// the one at the end. What each flush makes durable is recorded, so a flush that moves or goes
// missing (a kernel renamed before its images are on disk) fails here.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { planEspUpdate, STAGING_DIR } from '../../src/core/esp-update.js';
import { parseRsyncOutput, rsyncArgs } from '../../src/core/rsync.js';
import type { Job } from '../../src/core/sync-plan.js';
import { syncfs } from '../../src/sys/flush.js';
import { runRsync } from '../../src/sys/rsync.js';
import { applyStagedUpdate } from '../../src/sys/staged-update.js';
import { twoDiskMachine } from '../helpers/sim.js';
import { bytes, snapshot, writeTree } from '../helpers/tree.js';

const SET = ['initramfs-linux.img', 'initramfs-linux-fallback.img', 'vmlinuz-linux', 'loader/entries/a.conf'];

/** Runs a staged update of ESP 1 from ESP 0 and records, at each flush, which files of SET match the source. */
async function flushes(t: Test, deleting: boolean, stageByRsync: boolean) {
  const m = await twoDiskMachine(t);
  const [source, destination] = m.efi as [string, string];
  const set = (seed: number) => Object.fromEntries(SET.map((f, i) => [f, bytes(50_000 + i, seed + i)]));
  writeTree(source, { ...set(1), 'vmlinuz-linux-lts': bytes(1000, 9) });
  writeTree(destination, { ...set(1), 'vmlinuz-linux-lts': bytes(1000, 9) });
  writeTree(source, set(20));
  if (deleting) rmSync(join(source, 'vmlinuz-linux-lts'));
  const job: Job = { item: 'esp', source, destination, fat: true, exclude: [] };
  const preview = await runRsync(rsyncArgs(job, { dryRun: true, extra: [], preview: true }));
  const update = planEspUpdate(parseRsyncOutput(preview.stdout));
  const seen: { inPlace: string[]; staging: boolean; lts: boolean }[] = [];
  const outcome = await applyStagedUpdate(job, update, {
    rsync: (args) => runRsync(args),
    flush: async (path) => {
      await syncfs(path);
      const now = snapshot(destination);
      const want = snapshot(source);
      seen.push({
        inPlace: SET.filter((f) => now[f] === want[f]),
        staging: existsSync(join(destination, STAGING_DIR)),
        lts: existsSync(join(destination, 'vmlinuz-linux-lts')),
      });
    },
    listFile: join(m.runDir, 'list'),
    stageByRsync,
  });
  t.equal(outcome.step, 'done', JSON.stringify(outcome));
  t.same(snapshot(destination), snapshot(source), 'the copy is complete');
  return { seen, groups: update.groups.length };
}

// Staged in this process (the hook, a manual run) and by rsync (the daemon, under its nice/ionice): the same flushes.
for (const stageByRsync of [false, true]) {
  const how = stageByRsync ? 'staged by rsync' : 'staged in-process';

  t.test(`${how}, nothing to delete: the last group flush is the final one`, async (t) => {
    const { seen, groups } = await flushes(t, false, stageByRsync);
    t.equal(groups, 3, 'initramfs images, kernel, entry');
    t.same(seen, [
      { inPlace: [], staging: true, lts: true },
      { inPlace: SET.slice(0, 2), staging: true, lts: true },
      { inPlace: SET.slice(0, 3), staging: true, lts: true },
      { inPlace: SET, staging: false, lts: true },
    ]);
  });

  t.test(
    `${how}, with deletions: every group flushed before anything is deleted, then a final flush`,
    async (t) => {
      const { seen } = await flushes(t, true, stageByRsync);
      t.same(seen, [
        { inPlace: [], staging: true, lts: true },
        { inPlace: SET.slice(0, 2), staging: true, lts: true },
        { inPlace: SET.slice(0, 3), staging: true, lts: true },
        { inPlace: SET, staging: true, lts: true },
        { inPlace: SET, staging: false, lts: false },
      ]);
    },
  );
}
