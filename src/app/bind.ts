import { bindTargetProblem, decideBind } from '../core/bind.js';
import { presentEsp } from '../core/booted-esp.js';
import type { Config } from '../core/config.js';
import { FailureError, UsageError } from '../core/errors.js';
import { loadConfig } from '../sys/config-file.js';
import { bindMount } from '../sys/mount.js';
import { readMountinfo } from '../sys/mountinfo.js';
import { dirEntries } from '../sys/path-info.js';
import type { SystemPaths } from '../sys/paths.js';
import { hookSkipReason } from './hook.js';
import { bootedOf, espMountsOf, readMachine } from './machine.js';

/** What a bind run did (a refusal is thrown as a FailureError). */
export type BindResult =
  | { kind: 'already'; message: string; source: string }
  | { kind: 'would-bind'; source: string; target: string }
  | { kind: 'bound'; source: string; target: string; device: string };

/** What dualroot-bind was asked for. */
export interface BindOptions {
  /** The bind target; undefined: [bind] target. */
  target: string | undefined;
  /** Change nothing; fail unless the target is the booted ESP. */
  check: boolean;
  /** Change nothing; say the mount it would make. */
  test: boolean;
}

/** The booted ESP, the mount decision about the target, and the target, from the machine as it is. */
async function decide(paths: SystemPaths, config: Config, target: string | undefined) {
  const refused = target === undefined ? undefined : bindTargetProblem(target);
  if (refused)
    throw new UsageError(`--target ${refused}`, 'use an empty directory of its own, such as /boot');
  const bindTarget = target ?? config.bind.target;
  const machine = await readMachine(paths);
  const esp = presentEsp(bootedOf(machine));
  const espMounts = espMountsOf(config, paths);
  return {
    esp,
    espMounts,
    target: bindTarget,
    decision: decideBind(esp, espMounts, bindTarget, machine.mounts),
  };
}

/** dualroot-bind's run: bind-mount the booted ESP onto the target, idempotently, never stacking mounts. */
export async function bindRun(paths: SystemPaths, options: BindOptions): Promise<BindResult> {
  const { esp, espMounts, target, decision } = await decide(paths, loadConfig(paths), options.target);
  if (decision.action === 'refuse') throw new FailureError(decision.message, decision.hint);
  if (decision.action === 'none')
    return { kind: 'already', message: decision.message, source: decision.source };
  checkEmptyTarget(target);
  if (options.check)
    throw new FailureError(
      `${target} is not mounted; the booted ESP is at ${decision.source}`,
      `run dualroot-bind to bind it`,
    );
  if (options.test) return { kind: 'would-bind', source: decision.source, target: decision.target };
  await bindMount(decision.source, decision.target);
  // Prove it: the mount table must now show the booted ESP on the target.
  const after = decideBind(esp, espMounts, target, readMountinfo(paths.mountinfo));
  if (after.action !== 'none')
    throw new FailureError(
      `mount --bind ${decision.source} ${target} ran, but ${target} is still not the booted ESP`,
    );
  return { kind: 'bound', source: decision.source, target, device: esp.device };
}

/** A target that is not mounted must be an empty directory: a bind would hide what it holds. */
function checkEmptyTarget(target: string): void {
  const entries = dirEntries(target);
  if (entries === undefined)
    throw new FailureError(`${target} does not exist`, `mkdir ${target}, then run again`);
  if (entries === 'not-directory')
    throw new FailureError(`${target} is not a directory`, 'point [bind] target at a directory');
  if (entries.length > 0)
    throw new FailureError(
      `${target} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): the bind would hide its files`,
      `move them away (old kernels from before dualroot can go), then run dualroot-bind`,
    );
}

/**
 * The pacman guard: throws (a FailureError saying what to do) when a transaction would write
 * kernels into the wrong /boot; returns why it did not look, or undefined when /boot is right.
 */
export async function guardRun(paths: SystemPaths, target: string | undefined): Promise<string | undefined> {
  const skip = hookSkipReason(paths);
  if (skip) return skip;
  const config = loadConfig(paths);
  if (!config.bind.guard) return `the guard is off ([bind] guard = false in ${config.file})`;
  const { decision, target: bindTarget } = await decide(paths, config, target);
  if (decision.action === 'none') return undefined;
  if (decision.action === 'bind')
    throw new FailureError(
      `${bindTarget} is not mounted: a kernel installed now would land on the root filesystem, not on the ESP`,
      `run dualroot-bind (binds ${decision.source} onto ${bindTarget}), then retry`,
    );
  throw new FailureError(decision.message, decision.hint);
}
