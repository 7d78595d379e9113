import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.js';
import type { Booted, Esp, FirmwareEvidence } from '../core/esp.js';
import { findEsps, identifyBooted } from '../core/esp.js';
import type { MountEntry } from '../core/mountinfo.js';
import { listPartitions, probeDevices } from '../sys/block.js';
import { readFirmwareEvidence } from '../sys/efivars.js';
import { findEfiMountDirs } from '../sys/fs.js';
import { readMountinfo } from '../sys/mountinfo.js';
import type { SystemPaths } from '../sys/paths.js';

/** What the machine looks like right now: partitions, ESPs, mounts, firmware evidence. */
export interface Machine {
  esps: Esp[];
  mounts: MountEntry[];
  firmware: FirmwareEvidence;
}

/** Devices to probe: udev's /dev/disk/by-partuuid targets when it exists, else every partition. */
function devicesToProbe(paths: SystemPaths, all: string[]): string[] {
  if (!existsSync(paths.byPartUuid)) return all;
  const linked = readdirSync(paths.byPartUuid).map((name) =>
    resolve(paths.byPartUuid, readlinkSync(join(paths.byPartUuid, name))),
  );
  return all.filter((d) => linked.includes(d));
}

/** Reads the machine's state through the sys modules. */
export async function readMachine(paths: SystemPaths): Promise<Machine> {
  const partitions = listPartitions(paths.sysfs);
  const probes = await probeDevices(
    devicesToProbe(
      paths,
      partitions.map((p) => p.device),
    ),
  );
  const mounts = readMountinfo(paths.mountinfo);
  return {
    esps: findEsps(partitions, probes, mounts),
    mounts,
    firmware: readFirmwareEvidence(paths.efivars),
  };
}

/** The booted ESP of a machine (throws FailureError listing what was checked). */
export function bootedOf(machine: Machine): Booted {
  return identifyBooted(machine.firmware, machine.esps);
}

/** The ESP mount points: the configured list, or every efiN directory under the ESP root. */
export function espMountsOf(config: Config, paths: SystemPaths): string[] {
  return config.esp.mounts === 'auto' ? findEfiMountDirs(paths.espRoot) : config.esp.mounts;
}
