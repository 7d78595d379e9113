import type { Io } from './output.js';

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
