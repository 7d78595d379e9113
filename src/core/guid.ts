/** Lower-case canonical form of a GUID string, for case-insensitive comparison. */
export function normalizeGuid(guid: string): string {
  return guid.trim().toLowerCase();
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a canonical 8-4-4-4-12 hexadecimal GUID (any case). */
export function isGuid(text: string): boolean {
  return GUID_RE.test(normalizeGuid(text));
}

/** Decodes a 16-byte EFI_GUID (first three fields little-endian) to its lower-case string form. */
export function decodeEfiGuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`an EFI GUID is 16 bytes, got ${bytes.length}`);
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(bytes.subarray(from, to));
    if (reverse) part.reverse();
    return part.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** The partition type GUID of an EFI System Partition. */
export const ESP_TYPE_GUID = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
