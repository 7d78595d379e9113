import { inChroot } from '../sys/chroot.js';
import { isUefi } from '../sys/efivars.js';
import type { SystemPaths } from '../sys/paths.js';
import type { Io } from './output.js';

/** Why a pacman hook should do nothing here (a chroot, a non-UEFI boot), or undefined to go on. */
export function hookSkipReason(paths: SystemPaths): string | undefined {
  if (inChroot(paths.proc))
    return 'running in a chroot (e.g. arch-chroot); dualroot acts on the booted system only';
  if (!isUefi(paths.efivars)) return `not booted with UEFI (${paths.efivars} does not exist)`;
  return undefined;
}

/** pacman's message styles: two-space indented notes, "==> ERROR:" and "==> WARNING:". */
export const pacmanStyle = {
  note: (text: string) => `  ${text}`,
  warning: (text: string) => `==> WARNING: ${text}`,
  error: (text: string) => `==> ERROR: ${text}`,
};

/** Prints a hook's failure in pacman's style: the error, the fix, and what it means for this transaction. */
export function printHookError(io: Io, message: string, hint: string | undefined, consequence: string): void {
  io.stderr(pacmanStyle.error(message));
  if (hint) io.stderr(pacmanStyle.note(`fix: ${hint}`));
  io.stderr(pacmanStyle.note(consequence));
}
