import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Entries named one of `names` directly in the systemd directory or in its *.wants / *.requires directories. */
export function unitLinksNamed(systemdDir: string, names: string[]): string[] {
  const found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(systemdDir);
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (names.includes(entry)) found.push(join(systemdDir, entry));
    if (!/\.(wants|requires)$/.test(entry)) continue;
    try {
      for (const link of readdirSync(join(systemdDir, entry)))
        if (names.includes(link)) found.push(join(systemdDir, entry, link));
    } catch {
      // Not a directory, or unreadable: nothing enabled there.
    }
  }
  return found.sort();
}
