// Assertions every lab scenario shares: a boot that ran to the end, what a sync copied, ESPs that match.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import type { Boot, LabMachine } from './lab.js';

/** Asserts a boot ran its steps to the end, with the log named when it did not. */
export function assertBooted(t: Test, boot: Boot, what: string): void {
  if (boot.hungLog)
    t.comment(`${what}: the first try hung before the initramfs, booted again (log ${boot.hungLog})`);
  t.notOk(boot.timedOut, `${what}: QEMU finished before the timeout (log ${boot.logFile})`);
  t.notOk(boot.shell, `${what}: firmware did not fall into the UEFI Shell (log ${boot.logFile})`);
  t.same(boot.failures, [], `${what}: no @@FAIL from the guest`);
  t.ok(boot.ended, `${what}: the guest ran its steps and powered off (log ${boot.logFile})`);
  t.equal(boot.results.get('steps-exit'), '0', `${what}: steps exited 0`);
  t.comment(`${what}: ${boot.seconds.toFixed(1)} s`);
}

/** Total files transferred by a `dualroot-sync --json` run. */
export function filesTransferred(report: { results?: { changes?: { files?: number } }[] }): number {
  return (report.results ?? []).reduce((n, r) => n + (r.changes?.files ?? 0), 0);
}

/** Asserts both ESPs hold the same files with the same content (read with mtools from the images). */
export async function assertEspsIdentical(t: Test, machine: LabMachine, what: string): Promise<void> {
  const files0 = (await machine.espFiles(0)).filter((f) => f !== '/loader/random-seed');
  const files1 = (await machine.espFiles(1)).filter((f) => f !== '/loader/random-seed');
  t.same(files1, files0, `${what}: ESP 1 has exactly ESP 0's files`);
  for (const file of files0) {
    const a = await machine.espFile(0, file);
    const b = await machine.espFile(1, file);
    t.ok(a && b && a.equals(b), `${what}: ${file} is identical on both ESPs`);
  }
}

/** How a scenario's each-disk-alone boots differ: steps around the shared ones, and what else to check. */
export interface AloneOptions {
  /** Guest steps run before the shared `dualroot-esp --json` and `dualroot-bind` (e.g. mounts). */
  before?: string;
  /** Guest steps run after them. */
  after?: string;
  /** The scenario's own checks of the boot; by default the root mounted degraded. */
  check?: (boot: Boot, slot: number) => void;
}

/** Boots each disk alone (slot 0 then 1) and asserts its own ESP (`esps[slot]`) booted and dualroot-bind exits 0. */
export async function assertEachDiskBootsAlone(
  t: Test,
  machine: LabMachine,
  esps: readonly [string, string],
  options: AloneOptions = {},
): Promise<void> {
  for (const slot of [0, 1] as const) {
    const alone = await machine.boot({
      label: `only-disk${slot}`,
      disks: [slot],
      steps: `${options.before ?? ''}run esp dualroot-esp --json\nrun bind dualroot-bind\n${options.after ?? ''}`,
    });
    assertBooted(t, alone, `boot with only disk ${slot}`);
    if (options.check) options.check(alone, slot);
    else t.equal(alone.results.get('root-mount'), 'degraded', `disk ${slot} alone mounts the root degraded`);
    t.equal(json(t, alone, 'esp').booted?.partuuid, esps[slot], `disk ${slot}'s own ESP booted`);
    t.equal(run(t, alone, 'bind').exit, 0, `dualroot-bind exits 0 on disk ${slot} alone`);
  }
}
