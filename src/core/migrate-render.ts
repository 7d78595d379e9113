/** One key of the new config and the comment lines saying where it came from. */
export interface RenderedKey {
  comment: string[];
  key: string;
  value: string;
}

/** One section of the new config, with a comment above its keys. */
export interface RenderedSection {
  name: string;
  comment: string[];
  keys: RenderedKey[];
}

const commented = (lines: string[]) => lines.map((l) => `; ${l}`.trimEnd());

/** dualroot.conf text: the header, then each section with its comments, in order. */
export function renderConfig(header: string[], sections: RenderedSection[]): string {
  const out = commented(header);
  for (const section of sections) {
    out.push('', `[${section.name}]`, ...commented(section.comment));
    for (const k of section.keys) out.push(...commented(k.comment), `${k.key} = ${k.value}`);
  }
  return `${out.join('\n')}\n`;
}
