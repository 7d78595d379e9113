import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { classifyEntries } from '../core/boot-entries.js';
import { espMountOf, presentEsp } from '../core/booted-esp.js';
import type { DiskCommand, DiskFacts, RootFacts, TargetDisk } from '../core/disk-facts.js';
import { SYNCED_DIRS } from '../core/disk-plan-copy.js';
import { copiedFsTools, refuseMissingTools, requiredTools } from '../core/disk-refusals.js';
import { FailureError } from '../core/errors.js';
import { mountAt } from '../core/mountinfo.js';
import { rootRaidKind } from '../core/status-redundancy.js';
import { probeDevices } from '../sys/block.js';
import { loadConfig } from '../sys/config-file.js';
import { readDiskInfo } from '../sys/disk-info.js';
import { isUefi, readBootOptions } from '../sys/efivars.js';
import { findFileCaseInsensitive } from '../sys/fat-path.js';
import { readMountinfo } from '../sys/mountinfo.js';
import { dirIdentity } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { btrfsState, mdArrayDevice, mdMembers, mdState } from '../sys/raid.js';
import { syncStateFile } from '../sys/run-dir.js';
import { readPartitionTable } from '../sys/sfdisk.js';
import { readSwapFiles } from '../sys/swaps.js';
import { toolsOnPath } from '../sys/tools.js';
import { listSignatures } from '../sys/wipefs.js';
import { bootedOf, espMountsOf, type Machine, readMachine } from './machine.js';

const SYSTEMD_BOOT = 'EFI/systemd/systemd-bootx64.efi';

/** The root filesystem's RAID, from the tool that knows it. */
async function readRoot(paths: SystemPaths, machine: Machine): Promise<RootFacts> {
  const mount = mountAt(machine.mounts, paths.root);
  if (!mount) throw new FailureError(`${paths.root} is not a mount point: cannot tell what the root is`);
  const kind = rootRaidKind(mount);
  if (kind === 'btrfs') {
    const { devids, uuid, profiles, ...state } = await btrfsState(paths.root);
    return { kind, mount: paths.root, uuid, state, devices: devids, profiles };
  }
  if (kind === 'md') {
    const state = mdState(paths.proc, mount.source);
    if (!state)
      throw new FailureError(
        `the root ${paths.root} is on ${mount.source}, which ${paths.proc}/mdstat does not list`,
      );
    // sysfs holders name the kernel's device (md127): compare with that, not a /dev/md/NAME link.
    const array = mdArrayDevice(mount.source);
    return { kind, mount: paths.root, array, state, members: mdMembers(paths.proc, array) };
  }
  return { kind: 'other', mount: paths.root, fsType: mount.fsType, source: mount.source };
}

/** The named device now: sysfs, wipefs, sfdisk, blkid of its partitions, its mounts. */
async function readTarget(paths: SystemPaths, machine: Machine, device: string): Promise<TargetDisk> {
  const info = readDiskInfo(paths.sysfs, device);
  const whole = info.partitionOf === undefined;
  return {
    device: info.device,
    partitionOf: info.partitionOf,
    sizeBytes: info.sizeBytes,
    sectorSize: info.sectorSize,
    signatures: whole ? await listSignatures(info.device) : [],
    table: whole ? await readPartitionTable(info.device) : undefined,
    partitions: info.partitions,
    probes: await probeDevices(info.partitions),
    mounts: machine.mounts
      .filter((m) => info.majorMinors.includes(m.majorMinor))
      .map((m) => ({ device: m.source, mount: m.mountPoint })),
    holders: info.holders.map((h) => `/dev/${h}`),
  };
}

/**
 * Reads everything dualroot-disk plans from, once. Refuses a missing tool before running any of
 * the tools that read the disks.
 */
export async function readDiskFacts(
  paths: SystemPaths,
  command: DiskCommand,
  device: string,
): Promise<DiskFacts> {
  const config = loadConfig(paths);
  // The tools first, before blkid, sfdisk or btrfs read anything (bootctl once the booted ESP is known).
  const rootMount = mountAt(readMountinfo(paths.mountinfo), paths.root);
  const rootKind = rootMount ? (rootRaidKind(rootMount) ?? 'other') : 'other';
  const rootFsType = rootMount?.fsType ?? '';
  const uefi = isUefi(paths.efivars);
  const tools = toolsOnPath(requiredTools(rootKind, true, uefi, rootFsType), paths.toolPath);
  refuseMissingTools(requiredTools(rootKind, false, uefi, rootFsType), tools);
  const machine = await readMachine(paths);
  const booted = presentEsp(bootedOf(machine));
  const bootedMount = espMountOf(booted, espMountsOf(config, paths), machine.mounts);
  const systemdBoot =
    bootedMount !== undefined && Boolean(findFileCaseInsensitive(bootedMount, [SYSTEMD_BOOT]));
  refuseMissingTools(requiredTools(rootKind, systemdBoot, uefi, rootFsType), tools);

  const root = await readRoot(paths, machine);
  const target = await readTarget(paths, machine, device);
  const bootedTable = await readPartitionTable(booted.disk);
  if (!bootedTable)
    throw new FailureError(`sfdisk finds no partition table on the booted disk ${booted.disk}`);
  const bootOptions = uefi ? readBootOptions(paths.efivars) : undefined;
  const bootedMounts = machine.mounts
    .filter(
      (m) =>
        bootedTable.partitions.some((p) => p.node === m.source) &&
        mountAt(machine.mounts, m.mountPoint) === m,
    )
    .map((m) => ({ device: m.source, mount: m.mountPoint, fsType: m.fsType }));
  // A copy makes every filesystem of the booted disk under the root: refused before it starts, not at its mkfs.
  const copyTools = root.kind === 'other' ? copiedFsTools(root.mount, bootedMounts) : [];
  tools.push(
    ...toolsOnPath(
      copyTools.filter((t) => !tools.includes(t)),
      paths.toolPath,
    ),
  );
  refuseMissingTools(copyTools, tools);
  const synced = Object.values(syncStateFile.read(paths)?.items ?? {}).flatMap((item) =>
    Object.entries(item.destinations).flatMap(([dest, s]) => (s.ok ? [dest] : [])),
  );
  return {
    command,
    target,
    booted,
    bootedMount,
    bootedTable,
    root,
    fstab: machine.fstab ?? [],
    fstabPath: paths.fstab,
    esps: machine.esps,
    partUuids: machine.probes.flatMap((p) => (p.partUuid ? [p.partUuid] : [])),
    fsUuids: machine.probes.flatMap((p) => (p.fsUuid ? [p.fsUuid] : [])),
    espRoot: paths.espRoot,
    configPath: config.file,
    syncItems: config.items,
    rootDirs: SYNCED_DIRS.filter((d) => dirIdentity(join(paths.root, d)) !== undefined),
    swapFiles: readSwapFiles(paths.proc),
    bootedMounts,
    newFsUuids: bootedTable.partitions.map(() => randomUUID()),
    systemdBoot,
    uefi,
    systemd: existsSync(paths.systemdRun),
    tools,
    newGuids: bootedTable.partitions.map(() => randomUUID()),
    bootEntries: bootOptions
      ? classifyEntries(bootOptions.options, bootOptions.order, machine.esps).map((e) => ({
          num: e.num,
          partUuid: e.partUuid,
        }))
      : [],
    loaderAt: target.mounts
      .filter((m) => findFileCaseInsensitive(m.mount, [SYSTEMD_BOOT]))
      .map((m) => m.mount),
    syncedTo: synced,
  };
}
