import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';

/** A block device as sysfs describes it: whole disk or partition, size, its partitions, what holds it. */
export interface DiskInfo {
  /** The kernel's device node (symlinks resolved). */
  device: string;
  partitionOf: string | undefined;
  sizeBytes: number;
  sectorSize: number;
  /** "major:minor" of the device and of each of its partitions. */
  majorMinors: string[];
  partitions: string[];
  holders: string[];
}

const read = (file: string) => readFileSync(file, 'utf8').trim();
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** Reads a block device's sysfs entry (`sysfs`/class/block/NAME); a name that is not a block device is a usage error. */
export function readDiskInfo(sysfs: string, device: string): DiskInfo {
  let node: string;
  try {
    node = realpathSync(device);
  } catch {
    throw new UsageError(
      `${device} does not exist`,
      'name the new disk, e.g. /dev/sdb (lsblk -o NAME,SIZE,MODEL,SERIAL)',
    );
  }
  const name = basename(node);
  const dir = join(sysfs, 'class/block', name);
  if (!existsSync(join(dir, 'dev')))
    throw new UsageError(
      `${device} is not a block device (${dir} does not exist)`,
      'name the new disk, e.g. /dev/sdb',
    );
  const real = realpathSync(dir);
  const isPartition = existsSync(join(dir, 'partition'));
  // Sector size lives on the disk's queue; a partition has none of its own.
  const queue = join(isPartition ? dirname(real) : real, 'queue/logical_block_size');
  const partitions = isPartition ? [] : list(real).filter((n) => existsSync(join(real, n, 'partition')));
  return {
    device: `/dev/${name}`,
    partitionOf: isPartition ? `/dev/${basename(dirname(real))}` : undefined,
    // sysfs counts 512-byte units whatever the sector size.
    sizeBytes: Number(read(join(real, 'size'))) * 512,
    sectorSize: existsSync(queue) ? Number(read(queue)) : 512,
    majorMinors: [read(join(real, 'dev')), ...partitions.map((p) => read(join(real, p, 'dev')))],
    partitions: partitions.map((p) => `/dev/${p}`),
    holders: [real, ...partitions.map((p) => join(real, p))].flatMap((d) => list(join(d, 'holders'))),
  };
}
