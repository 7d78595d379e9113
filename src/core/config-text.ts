// The line-by-line rules of dualroot.conf that the ini library does not keep: ini cuts a value at
// ";" or "#", merges repeated sections, lets the last repeated key win and drops "__proto__"
// silently. Each of those would sync a path other than the one written, so each is an error here,
// naming its line, before ini reads the values.
import { ConfigError } from './errors.js';

/** One key as written: its line, and whether it was a `key[] = value` list line. */
export interface ScannedKey {
  line: number;
  list: boolean;
}

/** One section as written: its name, the line of its header, its keys by name. */
export interface ScannedSection {
  name: string;
  line: number;
  keys: Map<string, ScannedKey>;
}

/** The config text without its byte order mark, and its sections as written. */
export interface ScannedConfig {
  text: string;
  sections: ScannedSection[];
}

const QUOTE_HINT = 'quote the whole value (key = "/srv/data;old"), or put the comment on a line of its own';

/** Why an unquoted value's text is not what ini would read, or undefined when it is. */
function valueProblem(value: string): { problem: string; hint: string } | undefined {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    if (value.length >= 2 && value.endsWith(quote)) return undefined;
    return {
      problem: `the value ${value} starts with ${quote} but does not end with it`,
      hint: `quote the whole value, or none of it (${quote}${value.slice(1).replaceAll(quote, '')}${quote})`,
    };
  }
  const cut = value.search(/[;#]/);
  if (cut < 0) return undefined;
  return {
    problem: `"${value[cut]}" starts a comment in an INI value: "${value}" would be read as "${value.slice(0, cut).trim()}"`,
    hint: QUOTE_HINT,
  };
}

/** Checks the text line by line (sections, keys, values as written); throws a ConfigError naming the line. */
export function scanConfigText(raw: string, file: string): ScannedConfig {
  // Editors on other systems save a byte order mark; ini would make it part of the first section name.
  const text = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  const sections: ScannedSection[] = [];
  let current: ScannedSection | undefined;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('[')) {
      const header = /^\[([^\]]*)\]$/.exec(trimmed);
      if (!header)
        throw new ConfigError(
          { file, line },
          `"${trimmed}" is not a section header`,
          'a header is [NAME] alone on its line; put comments on a line of their own',
        );
      const name = header[1]!.trim();
      const twin = sections.find((s) => s.name === name);
      if (twin)
        throw new ConfigError(
          { file, line, section: name },
          `section repeated (first at line ${twin.line})`,
          'merge the two into one section',
        );
      current = { name, line, keys: new Map() };
      sections.push(current);
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq < 0)
      throw new ConfigError({ file, line }, `"${trimmed}" is not a key = value line`, 'write key = value');
    const written = trimmed.slice(0, eq).trim();
    const list = written.endsWith('[]');
    const key = list ? written.slice(0, -2).trim() : written;
    if (!current)
      throw new ConfigError(
        { file, line, key },
        'key outside any section',
        'put it under [esp], [bind], [rsync], [watch] or [sync:NAME]',
      );
    const place = { file, line, section: current.name, key };
    const bad = valueProblem(trimmed.slice(eq + 1).trim());
    if (bad) throw new ConfigError(place, bad.problem, bad.hint);
    const twin = current.keys.get(key);
    if (twin && !(twin.list && list))
      throw new ConfigError(
        place,
        `key repeated (first at line ${twin.line})`,
        'keep one; a list is one line (a, b) or repeated "key[] = value" lines',
      );
    if (!twin) current.keys.set(key, { line, list });
  });
  return { text, sections };
}
