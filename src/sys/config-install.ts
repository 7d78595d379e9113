import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { type RenderedSection, renderConfig } from '../core/migrate-render.js';

/** The text of a file, or undefined when it does not exist. */
export function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The first free backup name: FILE.bak, else FILE.bak.1, FILE.bak.2, ... (an older backup is never overwritten). */
function backupName(file: string): string {
  if (!existsSync(`${file}.bak`)) return `${file}.bak`;
  let n = 1;
  while (existsSync(`${file}.bak.${n}`)) n++;
  return `${file}.bak.${n}`;
}

/**
 * Installs a config file as dualroot requires it (root:root, mode 644, in a 755 directory),
 * atomically: readers see the old file or the new one. An existing file is first copied to a
 * backup, whose name is returned.
 */
export function installConfigFile(file: string, text: string): { backup: string | undefined } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const backup = existsSync(file) ? backupName(file) : undefined;
  if (backup) copyFileSync(file, backup);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  chownSync(tmp, 0, 0);
  renameSync(tmp, file);
  return { backup };
}

/** Appends sections to dualroot.conf (installed as above, the old file kept as a backup). */
export function appendConfig(file: string, sections: RenderedSection[]): { backup: string | undefined } {
  const old = readIfPresent(file) ?? '';
  const body = renderConfig([], sections).replace(/^\n/, '');
  return installConfigFile(
    file,
    `${old}${old === '' || old.endsWith('\n') ? '' : '\n'}${old === '' ? '' : '\n'}${body}`,
  );
}
