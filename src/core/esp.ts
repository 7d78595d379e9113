import type { BlkidInfo } from './blkid.js';
import { naturalCompare } from './compare.js';
import { type EfivarsState, efivarsProblem } from './efivars.js';
import { FailureError } from './errors.js';
import { ESP_TYPE_GUID, normalizeGuid } from './guid.js';
import { type MountEntry, mountPointsOf } from './mountinfo.js';

/** A partition as the kernel (/sys/class/block) knows it. */
export interface Partition {
  /** Device node, e.g. /dev/vda1. */
  device: string;
  /** Whole-disk device node, e.g. /dev/vda. */
  disk: string;
  /** Partition number on its disk. */
  number: number;
  /** "major:minor" of the partition. */
  majorMinor: string;
}

/** An EFI System Partition with everything dualroot reports about it. */
export interface Esp extends Partition {
  partUuid: string;
  fsUuid: string | undefined;
  fsType: string | undefined;
  label: string | undefined;
  /** Visible mount points, in mount order. */
  mounts: string[];
}

/** The ESPs among the partitions: partition type GUID of an ESP (blkid's PART_ENTRY_TYPE). */
export function findEsps(partitions: Partition[], probes: BlkidInfo[], mounts: MountEntry[]): Esp[] {
  const byDevice = new Map(probes.map((p) => [p.device, p]));
  const esps: Esp[] = [];
  for (const part of partitions) {
    const probe = byDevice.get(part.device);
    if (probe?.partType !== ESP_TYPE_GUID || probe.partUuid === undefined) continue;
    esps.push({
      ...part,
      partUuid: probe.partUuid,
      fsUuid: probe.fsUuid,
      fsType: probe.fsType,
      label: probe.label,
      mounts: mountPointsOf(mounts, part.majorMinor),
    });
  }
  // Natural order, as lsblk lists them: /dev/nvme2n1 before /dev/nvme10n1.
  return esps.sort((a, b) => naturalCompare(a.disk, b.disk) || a.number - b.number);
}

/** Which evidence decided the booted ESP. */
export type Evidence = 'LoaderDevicePartUUID' | 'BootCurrent' | 'single-esp';

/** What the firmware and boot loader left behind, as read from efivarfs. */
export interface FirmwareEvidence {
  /** Directory the variables were read from. */
  efivarsDir: string;
  /** Whether that directory is there at all (absent: read as 'ok'). */
  efivarsState?: EfivarsState;
  /** Partition GUID in LoaderDevicePartUUID; undefined when absent; `problem` when unreadable. */
  loaderDevicePartUuid: string | undefined;
  loaderProblem?: string;
  /** BootCurrent's option number, if the variable exists. */
  bootCurrent: number | undefined;
  /** Partition GUID of BootCurrent's Hard Drive node, if it has one. */
  bootCurrentPartUuid: string | undefined;
  /** Why BootCurrent gave no partition (e.g. "Boot0002 has no Hard Drive node"). */
  bootCurrentProblem?: string;
}

/** The booted ESP's PARTUUID, how it was decided, and its partition if present. */
export interface Booted {
  partUuid: string;
  evidence: Evidence;
  esp: Esp | undefined;
}

/**
 * The error for cloned ESPs (a `dd` copy of a disk): two with one PARTUUID, or one FAT serial
 * (filesystem UUID). The firmware's evidence then names both, so no ESP can be told booted.
 */
export function clonedEspsError(esps: Esp[]): FailureError | undefined {
  const clash = (key: 'partUuid' | 'fsUuid', what: string, hint: (esp: Esp) => string) => {
    for (const [i, a] of esps.entries()) {
      const b = esps.slice(i + 1).find((e) => a[key] !== undefined && e[key] === a[key]);
      if (b)
        return new FailureError(
          `${a.device} and ${b.device} have the same ${what} ${a[key]}: one disk is a clone of the other, so the booted ESP cannot be told apart from the other`,
          hint(b),
        );
    }
    return undefined;
  };
  return (
    clash(
      'partUuid',
      'PARTUUID',
      (b) =>
        `give ${b.device} a new partition GUID: sfdisk --part-uuid ${b.disk} ${b.number} $(uuidgen), then update fstab`,
    ) ??
    clash(
      'fsUuid',
      'filesystem UUID',
      (b) =>
        `give ${b.device} a new FAT serial: mlabel -N 1a2b3c4d -i ${b.device} :: (any 8 hex digits), then update fstab`,
    )
  );
}

/** Decides the booted ESP, strongest evidence first; never guesses between two ESPs. */
export function identifyBooted(fw: FirmwareEvidence, esps: Esp[]): Booted {
  const cloned = clonedEspsError(esps);
  if (cloned) throw cloned;
  const find = (uuid: string) => esps.find((e) => e.partUuid === normalizeGuid(uuid));
  if (fw.loaderDevicePartUuid) {
    const partUuid = normalizeGuid(fw.loaderDevicePartUuid);
    return { partUuid, evidence: 'LoaderDevicePartUUID', esp: find(partUuid) };
  }
  if (fw.bootCurrentPartUuid) {
    const partUuid = normalizeGuid(fw.bootCurrentPartUuid);
    return { partUuid, evidence: 'BootCurrent', esp: find(partUuid) };
  }
  const [only] = esps;
  if (esps.length === 1 && only) return { partUuid: only.partUuid, evidence: 'single-esp', esp: only };
  const unusable = efivarsProblem(fw.efivarsDir, fw.efivarsState ?? 'ok');
  if (unusable)
    throw new FailureError(`cannot tell which ESP the firmware booted: ${unusable.problem}`, unusable.hint);
  const checked = [
    `LoaderDevicePartUUID in ${fw.efivarsDir}: ${fw.loaderProblem ?? 'absent'}`,
    `BootCurrent: ${fw.bootCurrent === undefined ? 'absent' : (fw.bootCurrentProblem ?? 'no partition')}`,
    `ESPs present: ${esps.length === 0 ? 'none' : esps.map((e) => `${e.device} (${e.partUuid})`).join(', ')}`,
  ];
  throw new FailureError(
    `cannot tell which ESP the firmware booted; checked: ${checked.join('; ')}`,
    esps.length === 0
      ? 'no partition has the ESP type GUID; check the disks with blkid -p'
      : 'boot with a loader that sets LoaderDevicePartUUID (systemd-boot, GRUB with bli, rEFInd) or create a boot entry per ESP (dualroot-esp entries --fix)',
  );
}
