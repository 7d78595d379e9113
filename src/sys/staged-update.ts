// The file moves of a staged ESP update (core/esp-update.ts decides what and in which order).
import { mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isLoaderEntry } from '../core/entry-redirect.js';
import { bootRank, type EspUpdate, STAGING_DIR, type StagedOutcome } from '../core/esp-update.js';
import { parseRsyncOutput, stagingArgs } from '../core/rsync.js';
import type { Job } from '../core/sync-plan.js';
import { copyIntoPlace, redirectEntries, restoreEntries, settleRedirects } from './entry-redirect.js';
import { entryExists } from './path-info.js';
import { copyToStaging } from './stage-copy.js';

/** What a staged update uses: the run's rsync (holding its lock), syncfs, and where to write the file list. */
export interface StagedDeps {
  rsync(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  flush(path: string): Promise<void>;
  /** A file off the ESP (the run directory) for rsync's --files-from list. */
  listFile: string;
  /**
   * Stage by rsync, under the run's nice/ionice (the daemon's [watch] nice and io_class), instead of
   * copying in this process at its own priority.
   */
  stageByRsync: boolean;
}

/** The staging copy: in this process, or by rsync with a --files-from list. */
async function stage(
  job: Job,
  files: string[],
  staging: string,
  deps: StagedDeps,
): Promise<Exclude<StagedOutcome, { step: 'rename' | 'delete' }>> {
  if (!deps.stageByRsync) {
    try {
      return { step: 'done', ...copyToStaging(job.source, staging, files) };
    } catch (error) {
      return { step: 'stage', error: (error as Error).message };
    }
  }
  mkdirSync(dirname(deps.listFile), { recursive: true });
  writeFileSync(deps.listFile, files.map((f) => `${f}\0`).join(''));
  const copy = await deps
    .rsync(stagingArgs(job, deps.listFile, staging))
    .finally(() => rmSync(deps.listFile, { force: true }));
  if (copy.exitCode !== 0) return { step: 'copy', ...copy };
  const { files: count, bytes } = parseRsyncOutput(copy.stdout);
  return { step: 'done', files: count, bytes };
}

/**
 * Removes a staging directory an interrupted run left at a destination (first putting in place the
 * staged files an entry it redirected still names); true when there was one.
 */
export function clearStaging(destination: string): boolean {
  const staging = join(destination, STAGING_DIR);
  if (!entryExists(staging)) return false;
  settleRedirects(destination);
  rmSync(staging, { recursive: true, force: true });
  return true;
}

/**
 * Creates the staging directory. A FAT that lost writes (a failing disk, until fsck) can hold the
 * name twice or in a slot its lookups miss: removed once, it still says EEXIST while lookups say
 * "absent", an answer vfat keeps until the directory changes. So on EEXIST the directory is
 * changed (a probe file made and removed), cleared again, and created again, a few times at most.
 */
function makeStaging(destination: string, staging: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      mkdirSync(staging);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt === 3)
        throw new Error(
          `${(error as Error).message}, though it was removed: the FAT is inconsistent; umount ${destination}, run fsck.fat -a on its partition, mount it, and run dualroot-sync again`,
        );
    }
    // A name of its own each time: on such a FAT an earlier probe's slot may now read as anything.
    const probe = join(destination, `.dualroot-probe-${process.pid}-${Date.now()}-${attempt}`);
    writeFileSync(probe, '');
    rmSync(probe);
    clearStaging(destination);
  }
}

/**
 * DUALROOT_TEST_CUT=staged or renamed:N: the process kills itself (SIGKILL, like a power cut
 * for everything not yet flushed) after the staged copy is flushed, or after the Nth rename. Tests only.
 */
function cutPoint(point: string): void {
  if (process.env.DUALROOT_TEST_CUT === point) process.kill(process.pid, 'SIGKILL');
}

/**
 * Copies the update's files into the destination's staging directory, flushes, points the entries
 * naming them at the staged copies, puts them in place group by group (a flush after each; a file an
 * entry names is copied, the rest renamed), gives the entries their paths back, gives files that
 * only differ in time the source's time, then deletes what the source no longer has and flushes.
 * With nothing to delete and no entry redirected, the last group's flush is the one at the end.
 */
export async function applyStagedUpdate(
  job: Job,
  update: EspUpdate,
  deps: StagedDeps,
): Promise<StagedOutcome> {
  const staging = join(job.destination, STAGING_DIR);
  const files = update.groups.flat();
  clearStaging(job.destination);
  makeStaging(job.destination, staging);
  const copy = await stage(job, files, staging, deps);
  if (copy.step !== 'done') {
    // Nothing is in place yet: dropping the staging directory leaves the destination as it was.
    // Best effort: on a failing disk this may fail too, and the next run removes it anyway.
    try {
      clearStaging(job.destination);
    } catch {}
    return copy;
  }
  await deps.flush(job.destination);
  cutPoint('staged');
  let renamed = 0;
  let lastFlushIsFinal = false;
  try {
    // The entries naming staged files boot the staged (complete, flushed) set while it is put in place.
    const entryFiles = files.filter((f) => !isLoaderEntry(f));
    const { redirected, named } = redirectEntries(job.destination, entryFiles);
    if (redirected.length > 0) await deps.flush(job.destination);
    // One syncfs less when the last group's flush can be the final one: nothing to delete, and no
    // entry naming staged files (it does until its own paths are on disk, so the staging directory
    // may go only after a flush that follows the last group). The directory's removal and the
    // retimes change no boot file: a cut before the end leaves at worst a directory the next run removes.
    lastFlushIsFinal = update.deletions.length === 0 && redirected.length === 0;
    cutPoint('redirected');
    let restored = redirected.length === 0;
    const restore = async () => {
      restoreEntries(
        job.destination,
        redirected.filter((r) => !files.includes(r.entry)),
      );
      await deps.flush(job.destination);
      restored = true;
    };
    for (const dir of update.directories) mkdirSync(join(job.destination, dir), { recursive: true });
    for (const [index, group] of update.groups.entries()) {
      // Entries (and loader.conf) come after every file they name is in place and on disk.
      if (!restored && bootRank(group[0]!) >= 4) await restore();
      for (const file of group) {
        mkdirSync(dirname(join(job.destination, file)), { recursive: true });
        if (named.has(file)) copyIntoPlace(join(staging, file), join(job.destination, file), false);
        else renameSync(join(staging, file), join(job.destination, file));
        cutPoint(`renamed:${++renamed}`);
      }
      // The next group (a kernel after its images, an entry after its kernel) only once this one is on disk.
      if (index < update.groups.length - 1 || !lastFlushIsFinal) await deps.flush(job.destination);
    }
    if (!restored) await restore();
    clearStaging(job.destination);
    // Same contents, another time: only the time changes, so no cut can leave a file half-written.
    for (const file of update.retimes) {
      const { atime, mtime } = statSync(join(job.source, file));
      utimesSync(join(job.destination, file), atime, mtime);
    }
    if (lastFlushIsFinal) await deps.flush(job.destination);
  } catch (error) {
    return { step: 'rename', error: (error as Error).message };
  }
  if (!lastFlushIsFinal) {
    try {
      for (const entry of update.deletions)
        rmSync(join(job.destination, entry), { recursive: true, force: true });
      await deps.flush(job.destination);
    } catch (error) {
      return { step: 'delete', error: (error as Error).message };
    }
  }
  return { step: 'done', files: copy.files, bytes: copy.bytes };
}
