import type { BlkidInfo } from './blkid.js';
import type { SyncItem } from './config.js';
import type { Esp } from './esp.js';
import type { FstabEntry } from './fstab.js';
import type { BtrfsDevice, MdMember, RaidState } from './raid.js';
import type { PartitionTable } from './sfdisk.js';
import type { Signature } from './wipefs.js';

/** What dualroot-disk was asked to do. */
export type DiskCommand = 'add' | 'replace';

/** The device named on the command line, as the system sees it now. */
export interface TargetDisk {
  device: string;
  /** The disk it is a partition of, when it is a partition rather than a whole disk. */
  partitionOf: string | undefined;
  sizeBytes: number;
  sectorSize: number;
  /** What `wipefs` would erase on the whole device: tables, filesystems, RAID superblocks. */
  signatures: Signature[];
  /** Its partition table (`sfdisk -J`), undefined when it has none. */
  table: PartitionTable | undefined;
  /** Partition nodes the kernel has for it (sysfs). */
  partitions: string[];
  /** `blkid -p` of those partitions. */
  probes: BlkidInfo[];
  /** Mounts of the device or of its partitions. */
  mounts: { device: string; mount: string }[];
  /** Devices stacked on it or its partitions (sysfs holders: md, dm). */
  holders: string[];
}

/** The root filesystem and its RAID as their tools report them. */
export type RootFacts =
  | {
      kind: 'btrfs';
      mount: string;
      uuid: string | undefined;
      state: RaidState;
      devices: BtrfsDevice[];
      profiles: Record<string, string[]>;
    }
  | { kind: 'md'; mount: string; array: string; state: RaidState; members: MdMember[] }
  | { kind: 'other'; mount: string; fsType: string; source: string };

/** A firmware boot entry and the partition its device path names. */
export interface BootEntryRef {
  num: number;
  partUuid: string | undefined;
}

/** Everything dualroot-disk plans from, gathered once by src/app. */
export interface DiskFacts {
  command: DiskCommand;
  target: TargetDisk;
  /** The booted ESP (present) and where it is mounted (undefined: not mounted). */
  booted: Esp;
  bootedMount: string | undefined;
  /** The booted disk's partition table. */
  bootedTable: PartitionTable;
  root: RootFacts;
  fstab: FstabEntry[];
  fstabPath: string;
  esps: Esp[];
  /** PARTUUIDs and filesystem UUIDs of every partition present. */
  partUuids: string[];
  fsUuids: string[];
  /** Directory holding the /efiN mount points. */
  espRoot: string;
  /** The config file and its [sync:NAME] items (approach 2: two roots, not a RAID1). */
  configPath: string;
  syncItems: SyncItem[];
  /** Which of the directories an approach-2 copy keeps in sync (etc, usr, ...) the running root has. */
  rootDirs: string[];
  /** Swap files (/proc/swaps), never copied onto a new root. */
  swapFiles: string[];
  /** Mounts of the booted disk's partitions (the filesystems an approach-2 copy makes again). */
  bootedMounts: { device: string; mount: string; fsType: string }[];
  /** Fresh filesystem UUIDs, one per partition of the booted table (used unless fstab names the one a previous run chose). */
  newFsUuids: string[];
  /** The booted ESP has systemd-boot (EFI/systemd/systemd-bootx64.efi). */
  systemdBoot: boolean;
  /** Booted with UEFI (efivarfs present): boot entries can be made. */
  uefi: boolean;
  /** systemd is running (fstab changes need `systemctl daemon-reload`). */
  systemd: boolean;
  /** Programs found on PATH. */
  tools: string[];
  /** Fresh GUIDs for the new partitions, one per partition of the booted table (used unless the disk is already partitioned by a previous run). */
  newGuids: string[];
  bootEntries: BootEntryRef[];
  /** Per mount point: the new ESP there has systemd-boot installed. */
  loaderAt: string[];
  /** Mount points the last dualroot-sync copied the booted ESP to without error. */
  syncedTo: string[];
}

/** Each tool dualroot-disk may run and the Arch package that has it. */
export const TOOL_PACKAGES: Record<string, string> = {
  sfdisk: 'util-linux',
  partx: 'util-linux',
  wipefs: 'util-linux',
  blkid: 'util-linux',
  'mkfs.fat': 'dosfstools',
  bootctl: 'systemd',
  btrfs: 'btrfs-progs',
  mdadm: 'mdadm',
  efibootmgr: 'efibootmgr',
  'mkfs.ext4': 'e2fsprogs',
  'mkfs.xfs': 'xfsprogs',
  rsync: 'rsync',
};
