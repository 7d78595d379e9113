// A one-disk machine for dualroot-disk on loop devices: a booted disk with an ESP (ext4: the host
// has no vfat) and a single-device btrfs root (or a plain ext4 one), plus blank disks to add.
import { randomUUID } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import { type Disk, defer, efivarsFor, makeDisk, mount, scratch } from './sim.js';

/** The simulated machine: its booted disk, where things are, and the environment that points dualroot at them. */
export interface OneDiskMachine {
  root: string;
  disk: Disk;
  fstab: string;
  fstabText: string;
  env: NodeJS.ProcessEnv;
}

/** Attaches a blank image of `sizeMiB` to a loop device and lets the machine's sysfs view see it. */
export async function blankDisk(t: Test, machine: OneDiskMachine, sizeMiB: number): Promise<string> {
  const image = join(machine.root, `blank-${randomUUID().slice(0, 8)}.img`);
  await execa('truncate', ['-s', `${sizeMiB}M`, image]);
  const loop = (await execa('losetup', ['-f', '--show', image])).stdout.trim();
  defer(t, async () => {
    // Last partition first: a copy's /home is mounted inside its root.
    for (const n of [4, 3, 2, 1]) await execa('umount', ['-A', `${loop}p${n}`], { reject: false });
    await execa('partx', ['-d', loop], { reject: false });
    await execa('losetup', ['-d', loop], { reject: false });
  });
  seeDisk(machine, loop);
  return loop;
}

/** Adds a whole disk to the machine's /sys/class/block view (makeDisk links only partitions). */
export function seeDisk(machine: OneDiskMachine, loop: string): void {
  const name = loop.slice('/dev/'.length);
  symlinkSync(`/sys/class/block/${name}`, join(machine.root, 'sys/class/block', name));
}

/**
 * Builds the one-disk machine: ESP mounted at root/efi0, a btrfs (or plain ext4) root at root/rootfs
 * (with `home`, a third partition at its /home: ext4, or xfs with home: 'xfs'), booted from that ESP.
 */
export async function oneDiskMachine(
  t: Test,
  rootFs: 'btrfs' | 'ext4' = 'btrfs',
  options: { home?: boolean | 'xfs' } = {},
): Promise<OneDiskMachine> {
  const root = scratch(t);
  const disk = await makeDisk(t, root, [
    { type: 'esp', sizeMiB: 32 },
    { type: 'linux', sizeMiB: 160, fs: rootFs },
    // xfsprogs makes nothing under 300 MiB (sparse: the image costs what is written).
    ...(options.home === 'xfs'
      ? [{ type: 'linux' as const, sizeMiB: 304, fs: 'xfs' as const }]
      : options.home
        ? [{ type: 'linux' as const, sizeMiB: 24, fs: 'ext4' as const }]
        : []),
  ]);
  seeDisk({ root } as OneDiskMachine, disk.loop);
  const [esp, rootPart] = disk.parts as [Disk['parts'][0], Disk['parts'][0]];
  await mount(t, esp.device, join(root, 'efi0'));
  await mount(t, rootPart.device, join(root, 'rootfs'));
  // A separate /home, mounted in the root as an installer makes it.
  if (options.home) await mount(t, disk.parts[2]!.device, join(root, 'rootfs/home'));
  const fstab = join(root, 'fstab');
  const fstabText = `PARTUUID=${esp.partUuid} ${join(root, 'efi0')} ext4 nofail,x-systemd.device-timeout=10s 0 2\n`;
  writeFileSync(fstab, fstabText);
  const config = join(root, 'dualroot.conf');
  writeFileSync(config, '', { mode: 0o644 });
  mkdirSync(join(root, 'run'), { recursive: true });
  return {
    root,
    disk,
    fstab,
    fstabText,
    env: {
      PATH: process.env.PATH,
      DUALROOT_CONFIG: config,
      DUALROOT_EFIVARS: efivarsFor(root, esp.partUuid),
      DUALROOT_ESP_ROOT: root,
      DUALROOT_SYSFS: join(root, 'sys'),
      DUALROOT_RUN_DIR: join(root, 'run'),
      DUALROOT_FSTAB: fstab,
      DUALROOT_ROOT: join(root, 'rootfs'),
      DUALROOT_SYSTEMD_RUN: join(root, 'no-systemd'),
    },
  };
}
