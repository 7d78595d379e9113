import type { BlkidInfo } from '../core/blkid.js';
import type { Config } from '../core/config.js';
import { DualrootError } from '../core/errors.js';
import type { Booted, Esp, FirmwareEvidence, Partition } from '../core/esp.js';
import { findEsps, identifyBooted } from '../core/esp.js';
import type { FstabEntry } from '../core/fstab.js';
import type { MountEntry } from '../core/mountinfo.js';
import { listPartitions, partUuidLinkTargets, probeDevices } from '../sys/block.js';
import { readFirmwareEvidence } from '../sys/efivars.js';
import { findEfiMountDirs } from '../sys/esp-mount-dirs.js';
import { readFstab } from '../sys/fstab.js';
import { readMountinfo } from '../sys/mountinfo.js';
import type { SystemPaths } from '../sys/paths.js';

/** What the machine looks like right now: ESPs, mounts, firmware evidence, fstab. */
export interface Machine {
  esps: Esp[];
  mounts: MountEntry[];
  firmware: FirmwareEvidence;
  /** fstab's lines; undefined when it cannot be read. */
  fstab: FstabEntry[] | undefined;
  /** Every partition present with a PARTUUID (any type): PARTUUID → device. */
  partUuids: Map<string, string>;
  /** `blkid -p` of every partition probed (what the ESPs were found among). */
  probes: BlkidInfo[];
  /** Every partition the kernel knows (sysfs), with its disk: what the disk map pairs. */
  partitions: Partition[];
}

/** Reads the machine once: sysfs partitions, blkid probes, mountinfo, efivars, fstab. */
export async function readMachine(paths: SystemPaths): Promise<Machine> {
  const partitions = listPartitions(paths.sysfs);
  const all = partitions.map((p) => p.device);
  // Udev's /dev/disk/by-partuuid, when it exists, names the partitions worth probing.
  const linked = partUuidLinkTargets(paths.byPartUuid);
  const probes = await probeDevices(linked ? all.filter((d) => linked.includes(d)) : all);
  const mounts = readMountinfo(paths.mountinfo);
  return {
    esps: findEsps(partitions, probes, mounts),
    mounts,
    firmware: readFirmwareEvidence(paths.efivars),
    fstab: readFstab(paths.fstab),
    partUuids: new Map(probes.flatMap((p) => (p.partUuid ? [[p.partUuid, p.device] as const] : []))),
    probes,
    partitions,
  };
}

/** The booted ESP of a machine (throws FailureError listing what was checked). */
export function bootedOf(machine: Machine): Booted {
  return identifyBooted(machine.firmware, machine.esps);
}

/** The booted ESP, or the error saying why it cannot be told (for runs that go on without it). */
export function bootedOrError(machine: Machine): Booted | DualrootError {
  try {
    return bootedOf(machine);
  } catch (error) {
    if (!(error instanceof DualrootError)) throw error;
    return error;
  }
}

/** The ESP mount points: the configured list, or every efiN directory under the ESP root. */
export function espMountsOf(config: Config, paths: SystemPaths): string[] {
  return config.esp.mounts === 'auto' ? findEfiMountDirs(paths.espRoot) : config.esp.mounts;
}
