import { statSync } from 'node:fs';

/** True when this process runs in a chroot: its / differs from PID 1's (as systemd-detect-virt --chroot). */
export function inChroot(proc: string): boolean {
  try {
    const root = statSync('/');
    const init = statSync(`${proc}/1/root`);
    return root.dev !== init.dev || root.ino !== init.ino;
  } catch {
    // Without access to PID 1's root we cannot tell; behave as on the real system.
    return false;
  }
}
