import { inChroot } from '../sys/chroot.js';
import { isUefi } from '../sys/efivars.js';
import type { SystemPaths } from '../sys/paths.js';

/** Why a pacman hook should do nothing here (a chroot, a non-UEFI boot), or undefined to go on. */
export function hookSkipReason(paths: SystemPaths): string | undefined {
  if (inChroot(paths.proc))
    return 'running in a chroot (e.g. arch-chroot); dualroot acts on the booted system only';
  if (!isUefi(paths.efivars)) return `not booted with UEFI (${paths.efivars} does not exist)`;
  return undefined;
}
