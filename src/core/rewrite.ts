import type { Translation } from './disk-map.js';

/** One identifier a rewrite replaced: where, and old → new. */
export interface RewriteChange {
  line: number;
  from: string;
  to: string;
}

/** A reference that names a partition of the two disks with no counterpart (or an ambiguous label). */
export interface RewriteProblem {
  line: number;
  reference: string;
  problem: string;
}

/** A file's text after the rewrite, every replacement, and the references it could not translate. */
export interface RewriteResult {
  text: string;
  changes: RewriteChange[];
  problems: RewriteProblem[];
}

// A UUID (8-4-4-4-12, or a FAT serial XXXX-XXXX) standing alone: after "=", "/", a quote, a space,
// or "luks-" (systemd-cryptsetup's default name, so /dev/mapper/luks-UUID follows its crypttab line).
const UUID = `(?:(?<=luks-)|(?<![0-9A-Za-z_-]))([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4})(?![0-9A-Za-z_-])`;
// LABEL=x, PARTLABEL="x", /dev/disk/by-label/x, /dev/disk/by-partlabel/x.
const LABEL = String.raw`(?<![A-Za-z_.])(PART)?LABEL=(?:"([^"]*)"|([^\s,:"]+))|/dev/disk/by-(part)?label/([^\s,:"]+)`;
const REFERENCE = new RegExp(`${UUID}|${LABEL}`, 'g');

/** The replacement in the original's case: FAT serials are upper case, fstab UUIDs usually lower. */
function inCaseOf(original: string, value: string): string {
  if (original === original.toUpperCase() && /[A-F]/.test(original)) return value.toUpperCase();
  if (original === original.toLowerCase() && /[a-f]/.test(original)) return value.toLowerCase();
  return value;
}

/** A reference's kind and value from REFERENCE's groups, and its key in a translation table. */
function referenceKey(
  uuid: string | undefined,
  part: string | undefined,
  label: string | undefined,
  pathPart: string | undefined,
): { kind: string; value: string; key: string } {
  const kind = uuid !== undefined ? 'uuid' : (part ?? pathPart) ? 'partlabel' : 'label';
  const value = uuid ?? label ?? '';
  return { kind, value, key: `${kind}:${kind === 'uuid' ? value.toLowerCase() : value}` };
}

/** The references in a text (comment lines aside) whose key is in `owners`, each with its owner (e.g. a device). */
export function findReferences(
  text: string,
  owners: Map<string, string>,
): { line: number; reference: string; owner: string }[] {
  return text.split('\n').flatMap((line, index) =>
    line.trimStart().startsWith('#')
      ? []
      : [...line.matchAll(REFERENCE)].flatMap((m) => {
          const owner = owners.get(referenceKey(m[1], m[2], m[3] ?? m[4] ?? m[6], m[5]).key);
          return owner === undefined ? [] : [{ line: index + 1, reference: m[0], owner }];
        }),
  );
}

/**
 * Rewrites every identifier of the two disks in a file (loader entry, fstab, crypttab, kernel
 * command line) into its counterpart's, in one pass (so exchanged pairs do not flip back).
 * Comment lines are left as they are; identifiers of other disks are not touched. A reference
 * that cannot be translated is a problem, and the caller must not write the file.
 */
export function rewriteText(text: string, table: Map<string, Translation>): RewriteResult {
  const changes: RewriteChange[] = [];
  const problems: RewriteProblem[] = [];
  const lines = text.split('\n').map((line, index) => {
    if (line.trimStart().startsWith('#')) return line;
    const number = index + 1;
    return line.replace(
      REFERENCE,
      (
        match: string,
        uuid: string | undefined,
        part: string | undefined,
        quoted: string | undefined,
        bare: string | undefined,
        pathPart: string | undefined,
        pathLabel: string | undefined,
      ) => {
        const { kind, value, key } = referenceKey(uuid, part, quoted ?? bare ?? pathLabel, pathPart);
        const found = table.get(key);
        if (!found) return match;
        if ('problem' in found) {
          problems.push({ line: number, reference: match, problem: found.problem });
          return match;
        }
        const to = kind === 'uuid' ? inCaseOf(value, found.to) : found.to;
        if (to === value) return match;
        const replaced =
          uuid !== undefined
            ? to
            : pathLabel !== undefined
              ? match.slice(0, match.length - pathLabel.length) + to
              : quoted !== undefined
                ? `${part ?? ''}LABEL="${to}"`
                : `${part ?? ''}LABEL=${to}`;
        changes.push({ line: number, from: match, to: replaced });
        return replaced;
      },
    );
  });
  return { text: problems.length > 0 ? text : lines.join('\n'), changes, problems };
}

/** A rewrite problem as one message line: file, line, the reference, why. */
export function rewriteProblemText(file: string, p: RewriteProblem): string {
  return `${file} line ${p.line} names ${p.reference}, which has no counterpart on the destination's disk (${p.problem}); the file was not copied`;
}

/** A rewrite change as `--test` prints it: file line N: old → new. */
export function rewriteChangeText(file: string, c: RewriteChange): string {
  return `${file} line ${c.line}: ${c.from} → ${c.to}`;
}
