import { DualrootError } from '../core/errors.js';
import type { Booted } from '../core/esp.js';
import type { SystemPaths } from '../sys/paths.js';
import { bootedOrError, type Machine, readMachine } from './machine.js';

/** dualroot-esp's facts: the machine, and the booted ESP or why it cannot be told. */
export async function espRun(
  paths: SystemPaths,
): Promise<{ machine: Machine; booted: Booted | undefined; failure: DualrootError | undefined }> {
  const machine = await readMachine(paths);
  const booted = bootedOrError(machine);
  return booted instanceof DualrootError
    ? { machine, booted: undefined, failure: booted }
    : { machine, booted, failure: undefined };
}
