// The booted ESP as dualroot-bind, dualroot-sync, dualroot-status and the daemon need it: present on
// this machine, and mounted at one of the ESP mount points (its copy at /boot is a bind of that).
import { FailureError } from './errors.js';
import type { Booted, Esp } from './esp.js';
import { type MountEntry, mountAt } from './mountinfo.js';

/** The error for a booted ESP whose partition is not on this machine (its disk detached or dead). */
export function bootedEspAbsent(booted: Booted): FailureError {
  return new FailureError(
    `the booted ESP (PARTUUID ${booted.partUuid}, from ${booted.evidence}) is not present on this machine`,
    'check that its disk is attached (blkid -p shows its partition)',
  );
}

/** The booted ESP's partition; throws bootedEspAbsent's error when it is not present. */
export function presentEsp(booted: Booted): Esp {
  if (!booted.esp) throw bootedEspAbsent(booted);
  return booted.esp;
}

/** The ESP mount point the ESP is mounted at, if any (`except`: a path not to count, the bind target). */
export function espMountOf(
  esp: Esp,
  espMounts: string[],
  mounts: MountEntry[],
  except?: string,
): string | undefined {
  return espMounts.find((m) => m !== except && mountAt(mounts, m)?.majorMinor === esp.majorMinor);
}

/** The error for a booted ESP that is not mounted at any ESP mount point. */
export function bootedEspUnmounted(esp: Esp, espMounts: string[]): FailureError {
  return new FailureError(
    `the booted ESP ${esp.device} (PARTUUID ${esp.partUuid}) is not mounted at any ESP mount point (${espMounts.join(', ') || 'none found'})`,
    'mount it (e.g. mount /efi0; fstab: see docs/arch-install.md) and run again',
  );
}

/** The booted ESP's mount point; throws bootedEspUnmounted's error when there is none. */
export function bootedEspMount(esp: Esp, espMounts: string[], mounts: MountEntry[]): string {
  const mount = espMountOf(esp, espMounts, mounts);
  if (mount === undefined) throw bootedEspUnmounted(esp, espMounts);
  return mount;
}
