import { FailureError } from './errors.js';

/** fstab text with lines appended (a final newline kept). */
export function appendFstabLines(text: string, lines: string[]): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${base}${lines.join('\n')}\n`;
}

/** fstab text with line `line`'s first field (the source) changed; refuses when that line no longer starts with `oldSource`. */
export function replaceFstabSource(
  text: string,
  file: string,
  line: number,
  oldSource: string,
  newSource: string,
): string {
  const lines = text.split('\n');
  const current = lines[line - 1] ?? '';
  const match = current.match(/^(\s*)(\S+)(.*)$/);
  if (!match || match[2] !== oldSource)
    throw new FailureError(
      `${file} line ${line} changed since it was read (expected it to start with ${oldSource}): not edited`,
      'run the command again',
    );
  lines[line - 1] = `${match[1]}${newSource}${match[3]}`;
  return lines.join('\n');
}
