import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type BlkidInfo, parseBlkidExport } from '../core/blkid.js';
import { naturalCompare } from '../core/compare.js';
import { FailureError } from '../core/errors.js';
import type { Partition } from '../core/esp.js';
import { runCommand } from './command.js';

/** Every partition the kernel knows, from /sys/class/block (no udev needed). */
export function listPartitions(sysfs: string): Partition[] {
  const classDir = join(sysfs, 'class/block');
  const partitions: Partition[] = [];
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch (error) {
    throw new FailureError(
      `cannot list block devices in ${classDir}: ${(error as Error).message}`,
      'is sysfs mounted (or DUALROOT_SYSFS set right)?',
    );
  }
  for (const name of names) {
    const dir = join(classDir, name);
    if (!existsSync(join(dir, 'partition'))) continue;
    const real = realpathSync(dir);
    partitions.push({
      device: `/dev/${name}`,
      disk: `/dev/${basename(dirname(real))}`,
      number: Number(readFileSync(join(dir, 'partition'), 'utf8').trim()),
      majorMinor: readFileSync(join(dir, 'dev'), 'utf8').trim(),
    });
  }
  return partitions;
}

/** Probes devices with `blkid -p` (low-level, no cache), which also reports the partition type GUID. */
export async function probeDevices(devices: string[]): Promise<BlkidInfo[]> {
  if (devices.length === 0) return [];
  // blkid exits 2 when a device has nothing to report; that is an answer, not a failure.
  const result = await runCommand('blkid', ['-p', '-o', 'export', ...devices]);
  if (result.exitCode !== 0 && result.exitCode !== 2) {
    throw new Error(`blkid -p failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
  return parseBlkidExport(result.stdout);
}

/** The device nodes udev linked in /dev/disk/by-partuuid; undefined when that directory does not exist (no udev). */
export function partUuidLinkTargets(byPartUuidDir: string): string[] | undefined {
  if (!existsSync(byPartUuidDir)) return undefined;
  return readdirSync(byPartUuidDir).map((name) =>
    resolve(byPartUuidDir, readlinkSync(join(byPartUuidDir, name))),
  );
}

/** Whole disks with a medium (size above zero), as /dev names, from /sys/block; [] when unreadable. */
export function listDisks(sysfs: string): string[] {
  const dir = join(sysfs, 'block');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      try {
        return Number(readFileSync(join(dir, name, 'size'), 'utf8')) > 0;
      } catch {
        return false;
      }
    })
    .map((name) => `/dev/${name}`)
    .sort(naturalCompare);
}
