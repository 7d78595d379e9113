// A btrfs RAID1 over two loop disks, the root the RAID checks judge: made, and a member lost the way
// a dead disk goes (gone from the kernel, forgotten by btrfs) so the other mounts degraded.
import { execa } from 'execa';
import type { Test } from 'tap';
import { type Disk, makeDisk, type PartSpec } from './sim.js';

/** One 300 MiB partition without a file system: room for a RAID1 with a little data. */
const MEMBER: PartSpec[] = [{ type: 'linux', sizeMiB: 300, fs: 'none' }];

/** Two disks partitioned as `spec`, their partition `part` (default the last) made one btrfs RAID1 (data and metadata). */
export async function btrfsRaid1(
  t: Test,
  dir: string,
  spec: PartSpec[] = MEMBER,
  part = spec.length - 1,
): Promise<{ a: Disk; b: Disk; members: [string, string] }> {
  const a = await makeDisk(t, dir, spec);
  const b = await makeDisk(t, dir, spec);
  const members: [string, string] = [a.parts[part]!.device, b.parts[part]!.device];
  await execa('mkfs.btrfs', ['-q', '-f', '-d', 'raid1', '-m', 'raid1', ...members]);
  return { a, b, members };
}

/** A member's disk dies: its partitions leave the kernel (and with `detach` its loop device), and btrfs forgets it. */
export async function loseDisk(disk: Disk, detach = false): Promise<void> {
  await execa('partx', ['-d', disk.loop]);
  if (detach) await execa('losetup', ['-d', disk.loop]);
  await execa('btrfs', ['device', 'scan', '--forget'], { reject: false });
}
