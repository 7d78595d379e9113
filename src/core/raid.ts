/** Redundancy of a RAID1 root, as its tools report it. */
export interface RaidState {
  kind: 'btrfs' | 'md';
  devices: number;
  missing: number;
  /** Human summary for messages. */
  detail: string;
  /** md only: a rebuild in progress, e.g. "recovery 6.2%": members counted missing are being filled. */
  rebuilding?: string;
}

/** Parses `btrfs filesystem show MOUNT`: total devices and those listed as MISSING (or "Some devices missing"). */
export function parseBtrfsShow(text: string): RaidState {
  const total = Number(text.match(/Total devices (\d+)/)?.[1] ?? 0);
  const listed = text.split('\n').filter((l) => /^\s*devid\s/.test(l));
  const missingLines = listed.filter((l) => /\bMISSING\b|<missing disk>/.test(l)).length;
  const missing = Math.max(
    missingLines,
    /Some devices missing/.test(text) ? Math.max(1, total - listed.length) : 0,
  );
  return { kind: 'btrfs', devices: total, missing, detail: `${total - missing} of ${total} devices present` };
}

/** Block group profiles from `btrfs filesystem df MOUNT`, per type; several when a degraded mount wrote new chunks. */
export function parseBtrfsDf(text: string): Record<string, string[]> {
  const profiles: Record<string, string[]> = {};
  for (const m of text.matchAll(/^(\w+), ([\w]+):/gm)) {
    const [, type, profile] = m as unknown as [string, string, string];
    const list = profiles[type] ?? [];
    if (!list.includes(profile)) list.push(profile);
    profiles[type] = list;
  }
  return profiles;
}

/** "Type: profile" for every Data, Metadata or System profile that does not keep a copy on each disk. */
export function unmirroredProfiles(profiles: Record<string, string[]>): string[] {
  // GlobalReserve is always "single": it is reserved space, not chunks on disk.
  return ['Data', 'Metadata', 'System'].flatMap((type) =>
    (profiles[type] ?? []).filter((p) => !/^RAID(1|1C3|1C4|10)$/i.test(p)).map((p) => `${type}: ${p}`),
  );
}

/** Parses the /proc/mdstat block of one md device: "[2/1] [U_]" means one of two members missing. */
export function parseMdstat(text: string, device: string): RaidState | undefined {
  const name = device.replace(/^\/dev\//, '');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name} :`));
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  const block = lines.slice(start, end === -1 ? undefined : end).join(' ');
  const status = block.match(/\[(\d+)\/(\d+)\] \[([U_]+)\]/);
  if (!status) return undefined;
  const devices = Number(status[1]);
  const up = Number(status[2]);
  // A member being rebuilt counts as not up until the rebuild ends ("check" is a scrub: no rebuild).
  const rebuild = block.match(/\b(recovery|resync|reshape)\s*=\s*([\d.]+%)/);
  return {
    kind: 'md',
    devices,
    missing: devices - up,
    detail: `${up} of ${devices} members active [${status[3]}]`,
    ...(rebuild ? { rebuilding: `${rebuild[1]} ${rebuild[2]}` } : {}),
  };
}

/** The filesystem UUID in `btrfs filesystem show` ("Label: 'root'  uuid: c173…"). */
export function parseBtrfsUuid(text: string): string | undefined {
  return text.match(/\buuid: ([0-9a-f-]{36})/)?.[1];
}

/** One device line of `btrfs filesystem show`; `path` is undefined for a missing device. */
export interface BtrfsDevice {
  devid: number;
  path: string | undefined;
}

/** The device lines of `btrfs filesystem show MOUNT`, with their devids. */
export function parseBtrfsDevices(text: string): BtrfsDevice[] {
  return [...text.matchAll(/^\s*devid\s+(\d+)\s.*\bpath\s+(.*?)\s*$/gm)].map((m) => {
    const path = m[2] ?? '';
    return { devid: Number(m[1]), path: /^(MISSING|<missing disk>)$/.test(path) ? undefined : path };
  });
}

/** One member of an md array in /proc/mdstat: "sdb2[1](F)" is sdb2, slot 1, failed. */
export interface MdMember {
  device: string;
  failed: boolean;
}

/** The members /proc/mdstat lists for one md device (the kernel's name, e.g. /dev/md127). */
export function parseMdMembers(text: string, device: string): MdMember[] {
  const name = device.replace(/^\/dev\//, '');
  const line = text.split('\n').find((l) => l.startsWith(`${name} :`));
  if (!line) return [];
  return [...line.matchAll(/(\S+)\[\d+\](\([A-Z]\))?/g)].map((m) => ({
    device: `/dev/${m[1]}`,
    failed: m[2] === '(F)',
  }));
}
