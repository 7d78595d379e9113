import type { DiskCommand, DiskFacts, RootFacts } from './disk-facts.js';
import { TOOL_PACKAGES } from './disk-facts.js';
import { bootedRootPartition, rootDevices, type WantedLayout } from './disk-layout.js';
import { mkfsTool, type SecondRoot } from './disk-plan-copy.js';
import { FailureError, UsageError } from './errors.js';
import { formatBytes } from './format.js';
import { isWithin } from './mountinfo.js';
import type { TablePartition } from './sfdisk.js';

const LOOK = 'lsblk -o NAME,SIZE,MODEL,SERIAL shows which disk is the new one';

/** The programs a run needs: partitioning, FAT, the loader, the RAID tool, boot entries. */
export function requiredTools(
  rootKind: RootFacts['kind'],
  systemdBoot: boolean,
  uefi: boolean,
  rootFsType = '',
): string[] {
  const copyTool = rootKind === 'other' ? mkfsTool(rootFsType) : undefined;
  return [
    'sfdisk',
    'partx',
    'wipefs',
    'blkid',
    'mkfs.fat',
    ...(systemdBoot ? ['bootctl'] : []),
    ...(rootKind === 'btrfs' ? ['btrfs'] : rootKind === 'md' ? ['mdadm'] : []),
    ...(copyTool ? [copyTool, 'rsync'] : []),
    ...(uefi ? ['efibootmgr'] : []),
  ];
}

/**
 * The mkfs programs a second root's copy needs beyond the root's own: one per other filesystem of
 * the booted disk mounted under the root (a separate /home of another type), known once its table is read.
 */
export function copiedFsTools(
  rootMount: string,
  bootedMounts: { mount: string; fsType: string }[],
): string[] {
  const tools = bootedMounts.filter((m) => isWithin(m.mount, rootMount)).map((m) => mkfsTool(m.fsType));
  return [...new Set(tools.filter((t): t is string => t !== undefined))];
}

/** Refuses before anything is read with a tool that is not installed: names each with its Arch package. */
export function refuseMissingTools(required: string[], found: string[]): void {
  const missing = required.filter((t) => !found.includes(t));
  if (missing.length === 0) return;
  throw new FailureError(
    `missing ${missing.map((t) => `${t} (Arch package ${TOOL_PACKAGES[t] ?? t})`).join(', ')}; nothing was written`,
    `pacman -S --needed ${[...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))].join(' ')}`,
  );
}

/** Refuses a machine dualroot-disk is not for: two roots, an unknown root, an ESP not mounted. */
export function refuseMachine(facts: DiskFacts): TablePartition {
  const { root } = facts;
  if (facts.syncItems.length > 0 && root.kind !== 'other')
    throw new FailureError(
      `${facts.configPath} has [sync:NAME] items (approach 2: two roots), but the root ${root.mount} is a ${root.kind} RAID1: dualroot-disk ${facts.command} cannot tell which the new disk is for; nothing was written`,
      'remove the [sync:NAME] items if the RAID1 root is the layout, then run again',
    );
  if (facts.bootedMount === undefined)
    throw new FailureError(
      `the booted ESP ${facts.booted.device} (PARTUUID ${facts.booted.partUuid}) is not mounted; nothing was written`,
      'mount it at its /efiN (mount -a), then run again',
    );
  const rootPart = bootedRootPartition(facts);
  if (!rootPart && root.kind === 'other' && /^\/dev\/(mapper\/|dm-)/.test(root.source))
    throw new FailureError(
      `the root ${root.mount} is ${root.fsType} on ${root.source}, a device-mapper device (LUKS or LVM): dualroot-disk add makes plain partitions only (a new LUKS needs its passphrase); nothing was written`,
      'make the new disk\'s LUKS or LVM and its root by hand (docs/guide.md "Two roots by hand"); dualroot-sync then keeps it, and writes its crypttab and fstab with the new disk\'s identifiers',
    );
  if (!rootPart)
    throw new FailureError(
      `the root's devices (${rootDevices(root).join(', ') || 'none'}) are not on the booted disk ${facts.booted.disk}, so its layout cannot be copied; nothing was written`,
    );
  return rootPart;
}

/** Refuses a command the RAID's state is not for: add to a complete or degraded RAID, replace when nothing is missing. */
export function refuseRaidState(command: DiskCommand, root: RootFacts, member: boolean): void {
  if (root.kind === 'other' || member) return;
  const { state } = root;
  const what = root.kind === 'btrfs' ? `btrfs ${root.mount}` : `md ${root.array}`;
  if (command === 'add' && state.missing > 0)
    throw new FailureError(
      `the root RAID1 (${what}) misses a device (${state.detail}): that is a replacement; nothing was written`,
      'dualroot-disk replace DEVICE',
    );
  if (command === 'add' && state.devices >= 2)
    throw new FailureError(
      `the root RAID1 (${what}) is already complete on ${state.devices} devices (${state.detail}); nothing was written`,
    );
  if (command === 'replace' && state.missing === 0)
    throw new FailureError(
      `nothing is missing: the root (${what}) has ${state.detail}; nothing was written`,
      state.devices < 2 ? 'to make a one-disk machine two-disk: dualroot-disk add DEVICE' : undefined,
    );
}

/** True when every partition of a disk already partitioned this way holds nothing, or what a previous run put there. */
function ownWork(facts: DiskFacts, layout: WantedLayout, copy: SecondRoot | undefined): boolean {
  if (!layout.present) return false;
  const { root } = facts;
  return facts.target.probes.every((p) => {
    if (!p.fsType) return true;
    if (p.device === layout.esp.node) return p.fsType === 'vfat';
    const copied = copy?.filesystems.find((f) => f.node === p.device);
    if (copied) return p.fsType === copied.fsType && p.fsUuid?.toLowerCase() === copied.uuid;
    if (p.device !== layout.root.node) return false;
    if (root.kind === 'btrfs') return p.fsType === 'btrfs' && p.fsUuid === root.uuid;
    return (
      p.fsType === 'linux_raid_member' && root.kind === 'md' && facts.target.holders.includes(root.array)
    );
  });
}

/**
 * Refuses a DEVICE that is not a blank whole disk big enough (or one a previous run of this
 * command partitioned, which is resumed). Usage errors (exit 2) for naming the wrong thing.
 */
export function refuseTarget(
  facts: DiskFacts,
  layout: WantedLayout,
  espMount: string,
  copy: SecondRoot | undefined,
): void {
  const { target, booted } = facts;
  const device = target.device;
  if (target.partitionOf)
    throw new UsageError(
      `${device} is a partition of ${target.partitionOf}, not a whole disk; nothing was written`,
      `name the whole new disk (${LOOK})`,
    );
  if (device === booted.disk)
    throw new UsageError(
      `${device} is the booted disk (its ESP ${booted.device} started this system); nothing was written`,
      LOOK,
    );
  const rootHere = rootDevices(facts.root).filter((d) => target.partitions.includes(d));
  const resumable = ownWork(facts, layout, copy);
  if (rootHere.length > 0 && !resumable)
    throw new UsageError(`${device} holds the root's ${rootHere.join(', ')}; nothing was written`, LOOK);
  if (target.sectorSize !== facts.bootedTable.sectorSize)
    throw new FailureError(
      `${device} has ${target.sectorSize}-byte sectors, the booted disk ${booted.disk} ${facts.bootedTable.sectorSize}-byte ones: its layout cannot be copied sector for sector; nothing was written`,
    );
  if (target.sizeBytes < layout.bytesNeeded)
    throw new FailureError(
      `${device} is ${formatBytes(target.sizeBytes)}, smaller than the ${formatBytes(layout.bytesNeeded)} the booted disk's partitions need; nothing was written`,
      'use a disk at least as big as the booted one',
    );
  const mounted = target.mounts.filter(
    (m) =>
      !(
        resumable &&
        ((m.device === layout.esp.node && m.mount === espMount) ||
          copy?.filesystems.some((f) => m.device === f.node && m.mount === f.mount))
      ),
  );
  if (mounted.length > 0)
    throw new FailureError(
      `${device} holds a mounted filesystem (${mounted.map((m) => `${m.device} at ${m.mount}`).join(', ')}); nothing was written`,
      `unmount it if ${device} is really the new disk (${LOOK})`,
    );
  const rootArray = facts.root.kind === 'md' ? facts.root.array : undefined;
  const held = target.holders.filter((h) => !(resumable && h === rootArray));
  if (held.length > 0)
    throw new FailureError(`${device} is in use by ${held.join(', ')}; nothing was written`, LOOK);
  if (!resumable && target.signatures.length > 0)
    throw new FailureError(
      `${device} is not blank: wipefs lists ${target.signatures.map((s) => `${s.type} at ${s.offset}`).join(', ')}; nothing was written`,
      `if ${device} is really the new disk, erase it first: wipefs -a ${device} (${LOOK})`,
    );
}
