import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The programs among `names` found executable on PATH. */
export function toolsOnPath(names: string[], path: string): string[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return names.filter((name) =>
    dirs.some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }),
  );
}
