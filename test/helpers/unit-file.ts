// Unit files read the way systemd reads the settings these tests check, and ExecStart= as argv.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './packaging-install.js';

/** A parsed unit file: section -> key -> values. */
export type UnitFile = Record<string, Record<string, string[]>>;

/** Unit file settings as section -> key -> values (repeated keys accumulate). Comments dropped. */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim();
    const settings = out[section]!;
    settings[key] = [...(settings[key] ?? []), line.slice(eq + 1).trim()];
  }
  return out;
}

/** A unit of units/ in this repository, parsed. */
export const unit = (name: string): UnitFile => parseUnit(readFileSync(join(repo, 'units', name), 'utf8'));
/** Space-separated list settings (After=, Before=, ...) merged over repeated lines. */
export const list = (values: string[] | undefined) =>
  (values ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);

/** The exit statuses systemd counts as a service's success: 0 and the numbers in SuccessExitStatus=. */
export const successStatuses = (u: UnitFile) => [
  0,
  ...list(u.Service?.SuccessExitStatus)
    .filter((v) => /^\d+$/.test(v))
    .map(Number),
];

/**
 * ExecStart= as the argv systemd runs. Only plain words: a prefix (-, @, +, !, :), quoting,
 * escapes, specifiers (%), variables ($) or a command separator would make systemd run something
 * else than a split on spaces, so they fail here instead of being run differently.
 */
export function execArgv(u: UnitFile): string[] {
  const lines = u.Service?.ExecStart ?? [];
  if (lines.length !== 1) throw new Error(`expected one ExecStart=, got ${lines.length}`);
  const line = lines[0]!;
  if (/["'\\%$;]/.test(line) || /^[-@+!:]/.test(line))
    throw new Error(`ExecStart=${line} uses syntax this test does not interpret`);
  return line.split(/\s+/);
}
