import { readFileSync, realpathSync } from 'node:fs';
import { execa } from 'execa';
import {
  type BtrfsDevice,
  type MdMember,
  parseBtrfsDevices,
  parseBtrfsDf,
  parseBtrfsShow,
  parseBtrfsUuid,
  parseMdMembers,
  parseMdstat,
  type RaidState,
} from '../core/raid.js';

/** State of a btrfs filesystem's devices (with devids) and its block group profiles, from btrfs-progs. */
export async function btrfsState(
  mountPoint: string,
): Promise<
  RaidState & { profiles: Record<string, string[]>; devids: BtrfsDevice[]; uuid: string | undefined }
> {
  const show = await execa('btrfs', ['filesystem', 'show', mountPoint], { reject: false });
  // A btrfs root on a system without btrfs-progs (an optional dependency of the package).
  if (show.code === 'ENOENT')
    throw new Error(
      `the root ${mountPoint} is btrfs but the btrfs command is missing, so its RAID1 devices cannot be checked: install btrfs-progs`,
    );
  if (show.exitCode !== 0)
    throw new Error(
      `btrfs filesystem show ${mountPoint} failed: ${String(show.stderr).trim() || show.shortMessage}`,
    );
  const df = await execa('btrfs', ['filesystem', 'df', mountPoint], { reject: false });
  const text = String(show.stdout);
  return {
    ...parseBtrfsShow(text),
    profiles: parseBtrfsDf(String(df.stdout)),
    devids: parseBtrfsDevices(text),
    uuid: parseBtrfsUuid(text),
  };
}

/** State of an md array from /proc/mdstat, or undefined if it is not listed there. */
export function mdState(proc: string, device: string): RaidState | undefined {
  try {
    // /proc/mdstat names the kernel's device (md127), a mount may name a udev link (/dev/md/root).
    return parseMdstat(readFileSync(`${proc}/mdstat`, 'utf8'), realpathSync(device));
  } catch {
    return undefined;
  }
}

/** The kernel's name of an md array (/dev/md127) for a udev link to it (/dev/md/root); the name itself otherwise. */
export function mdArrayDevice(device: string): string {
  try {
    return realpathSync(device);
  } catch {
    return device;
  }
}

/** The members of an md array as /proc/mdstat lists them (empty when it is not listed). */
export function mdMembers(proc: string, device: string): MdMember[] {
  try {
    return parseMdMembers(readFileSync(`${proc}/mdstat`, 'utf8'), realpathSync(device));
  } catch {
    return [];
  }
}
