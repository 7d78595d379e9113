// The section table of a PE/COFF image (a UKI is one: .linux, .initrd, .cmdline, ...), from its
// first bytes, so a reader fetches only the section it needs instead of a 100 MB file.

/** One section: its name and where its bytes are in the file. */
export interface PeSection {
  name: string;
  offset: number;
  size: number;
}

/** Bytes that hold the headers of any UKI ukify or mkinitcpio writes (a handful of sections). */
export const PE_HEADER_BYTES = 4096;

/** The sections of a PE image from its first bytes; undefined when it is not PE (no MZ/PE signatures). */
export function peSections(head: Buffer): PeSection[] | undefined {
  if (head.length < 64 || head.toString('latin1', 0, 2) !== 'MZ') return undefined;
  const pe = head.readUInt32LE(0x3c);
  if (pe + 24 > head.length || head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return undefined;
  const count = head.readUInt16LE(pe + 6);
  const table = pe + 24 + head.readUInt16LE(pe + 20);
  const sections: PeSection[] = [];
  for (let i = 0; i < count && table + (i + 1) * 40 <= head.length; i++) {
    const at = table + i * 40;
    const name = head.toString('latin1', at, at + 8).replace(/\0+$/, '');
    // VirtualSize is the section's real length; SizeOfRawData is padded to the file alignment.
    const virtualSize = head.readUInt32LE(at + 8);
    const rawSize = head.readUInt32LE(at + 16);
    sections.push({
      name,
      offset: head.readUInt32LE(at + 20),
      size: Math.min(virtualSize || rawSize, rawSize),
    });
  }
  return sections;
}
