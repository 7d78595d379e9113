/** One signature wipefs would erase: a partition table, filesystem or RAID superblock. */
export interface Signature {
  type: string;
  offset: string;
  label: string | undefined;
}

/** Parses `wipefs -J DEVICE` (read-only without -a). */
export function parseWipefsJson(text: string): Signature[] {
  if (!text.trim()) return [];
  const parsed = JSON.parse(text) as {
    signatures?: { type: string; offset: string; label?: string | null }[];
  };
  return (parsed.signatures ?? []).map((s) => ({
    type: s.type,
    offset: s.offset,
    label: s.label ?? undefined,
  }));
}
