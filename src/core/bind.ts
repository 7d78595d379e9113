import { bootedEspUnmounted, espMountOf } from './booted-esp.js';
import type { Esp } from './esp.js';
import { type MountEntry, mountAt } from './mountinfo.js';

/** What dualroot-bind must do about the bind target. */
export type BindDecision =
  | { action: 'none'; source: string; message: string }
  | { action: 'bind'; source: string; target: string }
  | { action: 'refuse'; message: string; hint: string };

const describe = (e: MountEntry) =>
  `${e.source} (${e.fsType}${e.root === '/' ? '' : `, subdirectory ${e.root}`}, device ${e.majorMinor})`;

/** Decides the bind of the booted ESP onto the target from the mount table; never stacks mounts. */
export function decideBind(
  booted: Esp,
  espMounts: string[],
  target: string,
  mounts: MountEntry[],
): BindDecision {
  const current = mountAt(mounts, target);
  const espMount = espMountOf(booted, espMounts, mounts, target);
  if (current) {
    if (current.majorMinor === booted.majorMinor && current.root === '/') {
      return {
        action: 'none',
        source: espMount ?? current.source,
        message: `${target} is already the booted ESP ${booted.device}`,
      };
    }
    return {
      action: 'refuse',
      message: `${target} is mounted from ${describe(current)}, not from the booted ESP ${booted.device} (PARTUUID ${booted.partUuid})`,
      hint: `unmount it (umount ${target}) and run dualroot-bind again; dualroot never stacks a second mount on ${target}`,
    };
  }
  if (!espMount) {
    const { message, hint } = bootedEspUnmounted(booted, espMounts);
    return { action: 'refuse', message, hint: hint! };
  }
  return { action: 'bind', source: espMount, target };
}

/** Directories that are the system itself: binding an ESP over one would hide it (or, for /, everything). */
const SYSTEM_DIRS = [
  '/',
  '/bin',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
];
/** Trees whose every subdirectory belongs to the system (pacman's files, kernel filesystems). */
const SYSTEM_TREES = ['/bin', '/dev', '/etc', '/lib', '/lib64', '/proc', '/sbin', '/sys', '/usr'];

/** Why a path cannot be the bind target (/, a system directory), or undefined when it may be. */
export function bindTargetProblem(target: string): string | undefined {
  if (SYSTEM_DIRS.includes(target) || SYSTEM_TREES.some((tree) => target.startsWith(`${tree}/`)))
    return `${target} is a system directory: binding the ESP there would hide it`;
  return undefined;
}
