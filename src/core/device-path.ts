import { decodeEfiGuid } from './guid.js';

/** One node of a UEFI device path (UEFI spec 2.10, section 10.3). */
export type DevicePathNode =
  | {
      kind: 'hard-drive';
      partitionNumber: number;
      partitionStart: bigint;
      partitionSize: bigint;
      /** Lower-case partition GUID when the signature type is GUID (GPT), else undefined. */
      partitionGuid: string | undefined;
      mbrSignature: number | undefined;
    }
  | { kind: 'file'; path: string }
  | { kind: 'pci-root'; uid: number }
  | { kind: 'pci'; device: number; function: number }
  | { kind: 'other'; type: number; subType: number; length: number };

const END_TYPE = 0x7f;

/** Decodes a device path (a packed list of nodes) up to its end node; throws on a malformed length. */
export function decodeDevicePath(bytes: Uint8Array): DevicePathNode[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nodes: DevicePathNode[] = [];
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const type = view.getUint8(offset);
    const subType = view.getUint8(offset + 1);
    const length = view.getUint16(offset + 2, true);
    if (length < 4 || offset + length > bytes.length) {
      throw new RangeError(`device path node at byte ${offset} has bad length ${length}`);
    }
    if (type === END_TYPE && subType === 0xff) break;
    nodes.push(decodeNode(type, subType, bytes.subarray(offset, offset + length), view, offset));
    offset += length;
  }
  return nodes;
}

function decodeNode(
  type: number,
  subType: number,
  node: Uint8Array,
  view: DataView,
  at: number,
): DevicePathNode {
  if (type === 0x04 && subType === 0x01 && node.length >= 42) {
    const signatureType = view.getUint8(at + 41);
    const signature = node.subarray(24, 40);
    return {
      kind: 'hard-drive',
      partitionNumber: view.getUint32(at + 4, true),
      partitionStart: view.getBigUint64(at + 8, true),
      partitionSize: view.getBigUint64(at + 16, true),
      partitionGuid: signatureType === 0x02 ? decodeEfiGuid(signature) : undefined,
      mbrSignature: signatureType === 0x01 ? view.getUint32(at + 24, true) : undefined,
    };
  }
  if (type === 0x04 && subType === 0x04) {
    return { kind: 'file', path: decodeUtf16(node.subarray(4)) };
  }
  if (type === 0x02 && subType === 0x01 && node.length >= 12) {
    return { kind: 'pci-root', uid: view.getUint32(at + 8, true) };
  }
  if (type === 0x01 && subType === 0x01 && node.length >= 6) {
    return { kind: 'pci', function: view.getUint8(at + 4), device: view.getUint8(at + 5) };
  }
  return { kind: 'other', type, subType, length: node.length };
}

/** Decodes NUL-terminated (or unterminated) UTF-16LE text. */
export function decodeUtf16(bytes: Uint8Array): string {
  const text = Buffer.from(
    bytes.buffer,
    bytes.byteOffset,
    bytes.byteLength - (bytes.byteLength % 2),
  ).toString('utf16le');
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

/** Renders a device path roughly as efibootmgr -v does, for messages. */
export function formatDevicePath(nodes: DevicePathNode[]): string {
  return nodes
    .map((n) => {
      switch (n.kind) {
        case 'hard-drive':
          return `HD(${n.partitionNumber},${n.partitionGuid ? `GPT,${n.partitionGuid}` : `MBR,0x${(n.mbrSignature ?? 0).toString(16)}`},0x${n.partitionStart.toString(16)},0x${n.partitionSize.toString(16)})`;
        case 'file':
          return `File(${n.path})`;
        case 'pci-root':
          return `PciRoot(0x${n.uid.toString(16)})`;
        case 'pci':
          return `Pci(0x${n.device.toString(16)},0x${n.function.toString(16)})`;
        default:
          return `Path(${n.type},${n.subType})`;
      }
    })
    .join('/');
}
