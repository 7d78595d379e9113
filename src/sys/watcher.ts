import { relative, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

/** A live watch of one directory tree. */
export interface TreeWatch {
  /** The watched directory. */
  root: string;
  close(): Promise<void>;
}

/** What a tree watch reports. */
export interface TreeWatchHandlers {
  /** A path under the root changed (path relative to the root, "/"-separated; "" is the root itself). */
  onChange(relativePath: string, event: string): void;
  onError(error: Error): void;
  /** Paths (relative, "/"-separated) whose changes do not matter; they are not watched at all. */
  ignore?(relativePath: string): boolean;
}

/**
 * Watches a directory tree with inotify through chokidar (never polling) and resolves once the
 * initial scan is done, so every later change is reported.
 */
export async function watchTree(root: string, handlers: TreeWatchHandlers): Promise<TreeWatch> {
  const rel = (path: string) => relative(root, path).split(sep).join('/');
  const watcher: FSWatcher = watch(root, {
    persistent: true,
    ignoreInitial: true,
    usePolling: false,
    followSymlinks: false,
    alwaysStat: false,
    ignorePermissionErrors: true,
    ignored: handlers.ignore ? (path: string) => handlers.ignore!(rel(path)) : undefined,
  });
  watcher.on('all', (event, path) => handlers.onChange(rel(path), event));
  await new Promise<void>((resolve, reject) => {
    const failed = (error: unknown) => reject(error);
    watcher.once('error', failed);
    watcher.once('ready', () => {
      watcher.off('error', failed);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await watcher.close();
    throw new Error(`cannot watch ${root}: ${(error as Error).message}`);
  });
  watcher.on('error', (error) => handlers.onError(error as Error));
  return { root, close: () => watcher.close() };
}
