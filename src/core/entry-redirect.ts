// While a kernel set is put in place on an ESP, its initramfs and kernel cannot change at the
// same instant (FAT has no atomic exchange): a cut between them leaves a new initramfs beside the
// old kernel. So each loader entry naming a staged file is first pointed at the staged copies (a
// complete, flushed new set), the files are then put in place, and only then is the entry restored.
import { STAGING_DIR } from './esp-update.js';

/** Entry keys whose value is a path on the ESP (systemd-boot's Boot Loader Specification type 1). */
const PATH_LINE = /^(\s*(?:linux|initrd|efi|devicetree)\s+)(\S+)(.*)$/i;

/** The ESP-relative, lowercase form of an entry's path (FAT names are case-insensitive). */
const key = (path: string) => path.replace(/^\/+/, '').toLowerCase();

/**
 * `text` (a loader entry) with every path that `staged` holds (ESP-relative, any case) pointed at
 * its copy in the staging directory; undefined when the entry names none of them.
 */
export function redirectEntry(text: string, staged: Iterable<string>): string | undefined {
  const held = new Set([...staged].map(key));
  let changed = false;
  const lines = text.split('\n').map((line) => {
    const m = PATH_LINE.exec(line);
    if (!m || !held.has(key(m[2]!))) return line;
    changed = true;
    return `${m[1]}/${STAGING_DIR}/${m[2]!.replace(/^\/+/, '')}${m[3]}`;
  });
  return changed ? lines.join('\n') : undefined;
}

/** The ESP-relative paths (as written, leading "/" dropped) a loader entry names. */
export function entryPaths(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const m = PATH_LINE.exec(line);
    return m ? [m[2]!.replace(/^\/+/, '')] : [];
  });
}

/**
 * `text` with its paths into the staging directory pointed back at their places (what an entry an
 * interrupted run redirected said before), and those staged paths; undefined when it has none.
 */
export function undoRedirect(text: string): { text: string; staged: string[] } | undefined {
  const prefix = `${STAGING_DIR}/`;
  const staged = entryPaths(text).filter((p) => p.startsWith(prefix));
  if (staged.length === 0) return undefined;
  const lines = text.split('\n').map((line) => {
    const m = PATH_LINE.exec(line);
    const path = m?.[2]?.replace(/^\/+/, '') ?? '';
    return m && path.startsWith(prefix) ? `${m[1]}/${path.slice(prefix.length)}${m[3]}` : line;
  });
  return { text: lines.join('\n'), staged: staged.map((p) => p.slice(prefix.length)) };
}

/** Whether a path on an ESP is a loader entry systemd-boot reads (loader/entries/*.conf). */
export function isLoaderEntry(path: string): boolean {
  return /^loader\/entries\/[^/]+\.conf$/i.test(path);
}
