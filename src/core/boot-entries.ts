import type { DevicePathNode } from './device-path.js';
import { bootVariableName, formatBootNumber, type LoadOption, loadOptionPartitionGuid } from './efivars.js';
import type { Esp } from './esp.js';

/** What kind of thing a boot entry starts. */
export type EntryKind = 'esp' | 'disk' | 'shell' | 'network' | 'firmware-fallback' | 'firmware-app';

/** One Boot#### entry, classified. */
export interface BootEntry {
  num: number;
  name: string;
  description: string;
  kind: EntryKind;
  /** Partition GUID of its Hard Drive node, if any. */
  partUuid: string | undefined;
  /** The loader file it starts, if its device path names one. */
  file: string | undefined;
  /** Zero-based position in BootOrder, or undefined when it is not in BootOrder. */
  position: number | undefined;
}

const isNetwork = (path: DevicePathNode[]) =>
  path.some((n) => n.kind === 'other' && n.type === 0x03 && [11, 12, 13, 24].includes(n.subType));
const isFirmwareVolume = (path: DevicePathNode[]) =>
  path.some((n) => n.kind === 'other' && n.type === 0x04 && (n.subType === 6 || n.subType === 7));

/** Classifies every boot option against the ESPs of this machine. */
export function classifyEntries(
  options: Map<number, LoadOption>,
  bootOrder: number[],
  esps: Esp[],
): BootEntry[] {
  const espUuids = new Set(esps.map((e) => e.partUuid));
  return [...options].map(([num, option]) => {
    const partUuid = loadOptionPartitionGuid(option);
    const file = option.devicePath.find((n) => n.kind === 'file')?.path;
    let kind: EntryKind;
    if (partUuid && espUuids.has(partUuid)) kind = 'esp';
    else if (partUuid) kind = 'disk';
    else if (isNetwork(option.devicePath) || /\b(PXE|HTTP|network)\b/i.test(option.description))
      kind = 'network';
    else if (/shell/i.test(option.description)) kind = 'shell';
    else if (isFirmwareVolume(option.devicePath)) kind = 'firmware-app';
    else kind = 'firmware-fallback';
    const index = bootOrder.indexOf(num);
    return {
      num,
      name: bootVariableName(num),
      description: option.description,
      kind,
      partUuid,
      file,
      position: index === -1 ? undefined : index,
    };
  });
}

/** Per ESP: its boot entries (best first: in BootOrder, earliest). */
export interface EspEntries {
  esp: Esp;
  entries: BootEntry[];
}

/** Which entries start each ESP. */
export function entriesPerEsp(entries: BootEntry[], esps: Esp[]): EspEntries[] {
  return esps.map((esp) => ({
    esp,
    entries: entries
      .filter((e) => e.partUuid === esp.partUuid)
      .sort((a, b) => (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER)),
  }));
}

/** A BootOrder problem: something the firmware would try before an ESP's entry, or an entry it never tries. */
export interface OrderProblem {
  message: string;
}

const RISKY: EntryKind[] = ['shell', 'network', 'firmware-fallback', 'firmware-app'];

/** BootOrder problems: ESP entries missing from BootOrder, or after shells, network boot and firmware-made fallbacks. */
export function bootOrderProblems(perEsp: EspEntries[], entries: BootEntry[]): OrderProblem[] {
  const problems: OrderProblem[] = [];
  for (const { esp, entries: own } of perEsp) {
    const best = own[0];
    if (!best) continue;
    if (best.position === undefined) {
      problems.push({
        message: `${best.name} ("${best.description}") for ${esp.device} is not in BootOrder: the firmware never tries it`,
      });
      continue;
    }
    const before = entries.filter(
      (e) => RISKY.includes(e.kind) && e.position !== undefined && e.position < (best.position ?? 0),
    );
    if (before.length > 0) {
      problems.push({
        message: `${best.name} for ${esp.device} comes after ${before.map((e) => `${e.name} ("${e.description}", ${e.kind})`).join(', ')} in BootOrder: if the other disk dies, the firmware may stop there instead of booting Linux`,
      });
    }
  }
  return problems;
}

/** The BootOrder dualroot wants: the ESP entries first (in ESP order), then everything else as it was. */
export function desiredBootOrder(bootOrder: number[], espEntryNums: number[]): number[] {
  return [...espEntryNums, ...bootOrder.filter((n) => !espEntryNums.includes(n))];
}

/** Formats a BootOrder for efibootmgr --bootorder (hex, comma-separated). */
export function formatBootOrder(order: number[]): string {
  return order.map(formatBootNumber).join(',');
}

/** The loader path, in the firmware's backslash form, for a file relative to an ESP's root. */
export function firmwarePath(relative: string): string {
  return `\\${relative.split('/').filter(Boolean).join('\\')}`;
}

/** efibootmgr arguments that create (without reordering) the entry for an ESP. */
export function createEntryArgs(esp: Esp, loader: string): string[] {
  return [
    '--create-only',
    '--disk',
    esp.disk,
    '--part',
    String(esp.number),
    '--loader',
    loader,
    '--label',
    `dualroot ${esp.disk.replace(/^\/dev\//, '')}`,
  ];
}
