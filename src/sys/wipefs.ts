import { execa } from 'execa';
import { FailureError } from '../core/errors.js';
import { parseWipefsJson, type Signature } from '../core/wipefs.js';

/** What wipefs would erase on a device (without -a it only lists): tables, filesystems, RAID superblocks. */
export async function listSignatures(device: string): Promise<Signature[]> {
  const result = await execa('wipefs', ['-J', device], { reject: false });
  if (result.exitCode !== 0)
    throw new FailureError(
      `wipefs -J ${device} failed (exit ${result.exitCode ?? '?'}): ${String(result.stderr).trim() || result.shortMessage}`,
    );
  return parseWipefsJson(String(result.stdout));
}
