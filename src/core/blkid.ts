import { normalizeGuid } from './guid.js';

/** What blkid reports about one block device. */
export interface BlkidInfo {
  device: string;
  fsType?: string;
  fsUuid?: string;
  label?: string;
  partUuid?: string;
  partType?: string;
  partNumber?: number;
  partLabel?: string;
}

function toInfo(device: string, tags: Map<string, string>): BlkidInfo {
  const info: BlkidInfo = { device };
  const set = <K extends keyof BlkidInfo>(key: K, value: BlkidInfo[K] | undefined) => {
    if (value !== undefined) info[key] = value;
  };
  set('fsType', tags.get('TYPE'));
  set('fsUuid', tags.get('UUID'));
  set('label', tags.get('LABEL'));
  const partUuid = tags.get('PART_ENTRY_UUID') ?? tags.get('PARTUUID');
  set('partUuid', partUuid === undefined ? undefined : normalizeGuid(partUuid));
  const partType = tags.get('PART_ENTRY_TYPE');
  set('partType', partType === undefined ? undefined : normalizeGuid(partType));
  const number = tags.get('PART_ENTRY_NUMBER');
  set('partNumber', number === undefined ? undefined : Number(number));
  set('partLabel', tags.get('PART_ENTRY_NAME') ?? tags.get('PARTLABEL'));
  return info;
}

/** Parses `blkid -p -o export DEV...` output: KEY=value lines, one blank-line-separated block per device. */
export function parseBlkidExport(text: string): BlkidInfo[] {
  const infos: BlkidInfo[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const tags = new Map<string, string>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) tags.set(line.slice(0, eq).trim(), line.slice(eq + 1));
    }
    const device = tags.get('DEVNAME');
    if (device) infos.push(toInfo(device, tags));
  }
  return infos;
}

/** Parses blkid's default output: `/dev/vda1: KEY="value" ...`, one device per line. */
export function parseBlkidLines(text: string): BlkidInfo[] {
  const infos: BlkidInfo[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    const tags = new Map<string, string>();
    for (const m of line.slice(colon + 2).matchAll(/([A-Z_]+)="((?:[^"\\]|\\.)*)"/g))
      tags.set(m[1]!, m[2]!.replace(/\\(.)/g, '$1'));
    infos.push(toInfo(line.slice(0, colon), tags));
  }
  return infos;
}
