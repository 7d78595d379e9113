// The preview of a copy (rsync --dry-run, itemized twice) judged before anything is written: the
// mass-delete guard now, and the same counts for a "does it fit" check later.
import type { RsyncChanges } from './rsync.js';

/** What a copy would do to a destination, counted from its preview. */
export interface Preview {
  /** Entries (files, directories, links) the destination holds now, excluded ones aside. */
  existing: number;
  create: { count: number; bytes: number };
  update: { count: number; bytes: number };
  delete: { count: number };
  /** Entries the destination would hold afterwards. */
  after: number;
}

/** Counts a preview's parsed output (parseRsyncOutput of a `preview: true` run). */
export function previewOf(changes: RsyncChanges): Preview {
  const existing = changes.kept + changes.updated.length + changes.deleted.length;
  return {
    existing,
    create: { count: changes.created.length, bytes: changes.createdBytes },
    update: { count: changes.updated.length, bytes: changes.updatedBytes },
    delete: { count: changes.deleted.length },
    after: existing - changes.deleted.length + changes.created.length,
  };
}

/** The option that lets a run delete most of a destination. */
export const ALLOW_MASS_DELETE = '--allow-mass-delete';

/**
 * Why a copy must not run: it would delete all of a destination, or most of it (more than half of
 * its entries, leaving it with less than half). A source whose disk is gone looks exactly so;
 * a real change that big (a new ESP layout adds what it removes) does not.
 */
export function massDeletion(destination: string, p: Preview): string | undefined {
  const deleted = p.delete.count;
  if (deleted === 0 || deleted * 2 <= p.existing || p.after * 2 >= p.existing) return undefined;
  const share = deleted === p.existing ? 'all' : `${Math.round((deleted * 100) / p.existing)}%`;
  return `would delete ${share} of ${destination} (${deleted} of its ${p.existing} ${p.existing === 1 ? 'entry' : 'entries'}, leaving ${p.after}): is its source the filesystem it should be? nothing was written`;
}
