import { execa } from 'execa';
import { FailureError } from '../core/errors.js';
import { type PartitionTable, parseSfdiskJson } from '../core/sfdisk.js';

/** A disk's partition table from `sfdisk -J`; undefined when it has none. */
export async function readPartitionTable(device: string): Promise<PartitionTable | undefined> {
  const result = await execa('sfdisk', ['-J', device], { reject: false });
  if (result.exitCode !== 0) {
    const stderr = String(result.stderr).trim();
    if (/does not contain a recognized partition table/.test(stderr)) return undefined;
    throw new FailureError(
      `sfdisk -J ${device} failed (exit ${result.exitCode ?? '?'}): ${stderr || result.shortMessage}`,
    );
  }
  return parseSfdiskJson(String(result.stdout));
}
