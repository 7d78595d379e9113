// A [sync:NAME] item on file systems of its own: one more loop disk whose two ext4 partitions are
// mounted as the item's source and as its copy, as approach 2's roots are.
import { join } from 'node:path';
import type { Test } from 'tap';
import { type Disk, makeDisk, mount, type SimMachine } from './sim.js';

/** A disk with two 16 MiB ext4 partitions mounted at m.root/<source> and m.root/<copy>; returns their paths. */
export async function itemDisk(
  t: Test,
  m: SimMachine,
  names: [string, string],
): Promise<{ disk: Disk; source: string; copy: string }> {
  const disk = await makeDisk(t, m.root, [
    { type: 'linux', sizeMiB: 16 },
    { type: 'linux', sizeMiB: 16 },
  ]);
  const [source, copy] = [join(m.root, names[0]), join(m.root, names[1])];
  await mount(t, disk.parts[0]!.device, source);
  await mount(t, disk.parts[1]!.device, copy);
  return { disk, source, copy };
}
