import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';

/** True when a path exists (following symlinks). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}

/** True when the name exists (a dangling link too); only ENOENT means absent, any other error is thrown. */
export function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The canonical path when it exists, else the path unchanged (so refusals can name it). */
export function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** "dev:inode" of a directory, undefined when it is not one: changes when the directory is another one. */
export function dirIdentity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Where a symbolic link points, or undefined when the path is not one (or does not exist). */
export function symlinkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The names in a directory; undefined when it is missing, 'not-directory' when it is something else. */
export function dirEntries(path: string): string[] | 'not-directory' | undefined {
  try {
    return readdirSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'not-directory';
  }
}
