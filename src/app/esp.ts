import { partitionIds } from '../core/disk-map.js';
import { type DiskMapUse, diskMapUses } from '../core/disk-map-uses.js';
import { DualrootError } from '../core/errors.js';
import type { Booted } from '../core/esp.js';
import { loadConfig } from '../sys/config-file.js';
import type { SystemPaths } from '../sys/paths.js';
import { bootedOrError, type Machine, readMachine } from './machine.js';
import { makePlan } from './sync-run.js';

/** dualroot-esp's facts: the machine, the booted ESP or why it cannot be told, and the disk maps of the sync plan. */
export interface EspFacts {
  machine: Machine;
  booted: Booted | undefined;
  failure: DualrootError | undefined;
  /** The disk maps dualroot-sync uses, or why they cannot be told (the config, say): that does not stop the ESP listing. */
  diskMaps: DiskMapUse[] | DualrootError;
}

/** Reads the machine once and the config, and works out the booted ESP and the disk maps. */
export async function espRun(paths: SystemPaths): Promise<EspFacts> {
  const machine = await readMachine(paths);
  const booted = bootedOrError(machine);
  return {
    machine,
    ...(booted instanceof DualrootError
      ? { booted: undefined, failure: booted }
      : { booted, failure: undefined }),
    diskMaps: diskMapsOf(paths, machine),
  };
}

/** The disk maps of the destinations on another disk than their source, as dualroot-sync would make them. */
function diskMapsOf(paths: SystemPaths, machine: Machine): DiskMapUse[] | DualrootError {
  try {
    const config = loadConfig(paths);
    const { plan } = makePlan(config, paths, machine);
    return diskMapUses(
      plan.jobs,
      machine.mounts,
      partitionIds(machine.partitions, machine.probes),
      config.diskMap.pairs,
    );
  } catch (error) {
    if (error instanceof DualrootError) return error;
    throw error;
  }
}
