import { type DevicePathNode, decodeDevicePath, decodeUtf16 } from './device-path.js';
import { isGuid, normalizeGuid } from './guid.js';

/** Vendor GUID of the UEFI global variables (Boot####, BootCurrent, BootOrder). */
export const EFI_GLOBAL_GUID = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
/** Vendor GUID of the Boot Loader Interface variables (systemd-boot, GRUB bli, rEFInd). */
export const LOADER_GUID = '4a67b082-0a4c-41cf-b6c7-440b29bb8c4f';

/** efivarfs file name of a variable. */
export function efivarName(name: string, vendor: string): string {
  return `${name}-${vendor}`;
}

/** The data of an efivarfs file: everything after its 4-byte attribute word. */
export function variableData(file: Uint8Array): Uint8Array {
  if (file.length < 4)
    throw new RangeError(`an efivarfs file has at least 4 attribute bytes, got ${file.length}`);
  return file.subarray(4);
}

/** Partition GUID named by LoaderDevicePartUUID (lower case), or undefined if it is not a GUID. */
export function parseLoaderDevicePartUuid(file: Uint8Array): string | undefined {
  const text = decodeUtf16(variableData(file));
  return isGuid(text) ? normalizeGuid(text) : undefined;
}

/** The 16-bit boot option number in BootCurrent. */
export function parseBootCurrent(file: Uint8Array): number {
  const data = variableData(file);
  if (data.length < 2) throw new RangeError(`BootCurrent holds 2 bytes, got ${data.length}`);
  return data[0]! | (data[1]! << 8);
}

/** The boot option numbers in BootOrder, in order. */
export function parseBootOrder(file: Uint8Array): number[] {
  const data = variableData(file);
  const order: number[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) order.push(data[i]! | (data[i + 1]! << 8));
  return order;
}

/** A decoded EFI_LOAD_OPTION (Boot####). */
export interface LoadOption {
  active: boolean;
  description: string;
  devicePath: DevicePathNode[];
}

/** Decodes a Boot#### variable (UEFI spec 2.10, section 3.1.3). */
export function parseLoadOption(file: Uint8Array): LoadOption {
  const data = variableData(file);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 6) throw new RangeError(`a load option is at least 6 bytes, got ${data.length}`);
  const attributes = view.getUint32(0, true);
  const pathLength = view.getUint16(4, true);
  let end = 6;
  while (end + 1 < data.length && (data[end] !== 0 || data[end + 1] !== 0)) end += 2;
  const description = decodeUtf16(data.subarray(6, end));
  const pathStart = end + 2;
  if (pathStart + pathLength > data.length) {
    throw new RangeError(`load option device path (${pathLength} bytes) runs past the variable's end`);
  }
  return {
    active: (attributes & 0x1) === 1,
    description,
    devicePath: decodeDevicePath(data.subarray(pathStart, pathStart + pathLength)),
  };
}

/** A boot option number as the firmware and efibootmgr write it: 4 upper-case hex digits (0006). */
export function formatBootNumber(num: number): string {
  return num.toString(16).toUpperCase().padStart(4, '0');
}

/** Formats a boot option number as the firmware names it (Boot0006). */
export function bootVariableName(num: number): string {
  return `Boot${formatBootNumber(num)}`;
}

/** The partition GUID of a load option's Hard Drive node, if it has one. */
export function loadOptionPartitionGuid(option: LoadOption): string | undefined {
  for (const node of option.devicePath)
    if (node.kind === 'hard-drive' && node.partitionGuid) return node.partitionGuid;
  return undefined;
}

/** What is at the efivarfs path: the directory, nothing, or something that is not a directory. */
export type EfivarsState = 'ok' | 'missing' | 'not-directory';

/** What a missing or wrong efivarfs path means and what to do, or undefined when it is a directory. */
export function efivarsProblem(
  dir: string,
  state: EfivarsState,
): { problem: string; hint: string } | undefined {
  if (state === 'missing')
    return {
      problem: `${dir} does not exist: not booted in UEFI mode, or efivarfs not mounted`,
      hint: 'boot this machine in UEFI mode; if it is, mount efivarfs (mount -t efivarfs efivarfs /sys/firmware/efi/efivars)',
    };
  if (state === 'not-directory')
    return {
      problem: `${dir} is not a directory, so not efivarfs`,
      hint: 'point --efivars (or DUALROOT_EFIVARS) at the efivarfs directory, /sys/firmware/efi/efivars',
    };
  return undefined;
}
