import type { DiskCommand } from '../core/disk-facts.js';
import { type DiskPlan, type DiskStep, planDisk, type StepId } from '../core/disk-plan.js';
import { stepFailure, stepNotVisible } from '../core/disk-report.js';
import { errorWithFix, FailureError } from '../core/errors.js';
import { appendFstabLines, replaceFstabSource } from '../core/fstab-edit.js';
import { appendConfig } from '../sys/config-install.js';
import { runEfibootmgr } from '../sys/efibootmgr.js';
import { readFstabText, writeFstabText } from '../sys/fstab.js';
import { makeMountPoint } from '../sys/mount.js';
import type { SystemPaths } from '../sys/paths.js';
import { runPlannedCommand } from '../sys/step-command.js';
import { readDiskFacts } from './disk-facts.js';
import { applyFix, entriesRun } from './entries.js';
import { syncRun } from './sync.js';

/** What a run tells its printer as it goes. */
export type DiskEvent =
  | { kind: 'plan'; plan: DiskPlan }
  | { kind: 'step'; plan: DiskPlan; step: DiskStep; index: number }
  | { kind: 'output'; line: string };

/** The plan for DEVICE, from the machine as it is now; changes nothing. */
export async function diskPlan(paths: SystemPaths, command: DiskCommand, device: string): Promise<DiskPlan> {
  return planDisk(await readDiskFacts(paths, command, device));
}

/** Runs one step: its commands, or dualroot's own work (fstab edit, sync, boot entries). */
async function runStep(
  paths: SystemPaths,
  plan: DiskPlan,
  step: DiskStep,
  tell: (e: DiskEvent) => void,
): Promise<void> {
  const change = step.fstab;
  if (change) {
    const text = readFstabText(paths.fstab);
    writeFstabText(
      paths.fstab,
      change.kind === 'append'
        ? appendFstabLines(text, change.lines)
        : replaceFstabSource(text, paths.fstab, change.line, change.oldSource, change.newSource),
    );
  }
  if (step.id === 'mount') makeMountPoint(plan.espMount);
  const own: Partial<Record<StepId, () => Promise<void>>> = {
    sync: async () => {
      const run = await syncRun(paths, { dryRun: false, hook: false });
      const results = run.kind === 'ran' ? run.report.results : [];
      for (const dest of [plan.espMount, ...(plan.secondRoot?.items.map((i) => i.destination) ?? [])]) {
        const mine = results.find((r) => r.destination === dest);
        if (!mine) throw new FailureError(`dualroot-sync did not copy to ${dest}`);
        if (mine.status !== 'ok') throw new FailureError(`dualroot-sync to ${dest}: ${mine.message}`);
      }
    },
    entries: async () => {
      const { disks, commands } = await entriesRun(paths, { fix: true, prune: false });
      const order = await applyFix(paths, disks, commands, (c) =>
        tell({ kind: 'output', line: `created: efibootmgr ${c.args.join(' ')}` }),
      );
      tell({ kind: 'output', line: `BootOrder ${order}` });
    },
    'dead-entries': async () => {
      for (const argv of step.commands) await runEfibootmgr(argv.slice(1));
    },
  };
  const ownRun = own[step.id];
  if (ownRun) return ownRun();
  for (const [i, argv] of step.commands.entries()) {
    const out = await runPlannedCommand(argv, i === 0 ? step.input : undefined);
    for (const line of out.split('\n').filter(Boolean)) tell({ kind: 'output', line });
  }
  // Only once the commands succeeded: the config naming the copy says the copy is complete.
  if (step.config) {
    const { backup } = appendConfig(paths.config, step.config);
    if (backup) tell({ kind: 'output', line: `${paths.config}: the previous version kept as ${backup}` });
  }
}

/**
 * Runs add or replace: prints the plan, then each step not done yet, re-reading the machine after
 * each so the next one is checked against what is really there. Stops at the first failure with
 * what was done and what was not; a rerun goes on from there.
 */
export async function diskRun(
  paths: SystemPaths,
  command: DiskCommand,
  device: string,
  tell: (e: DiskEvent) => void,
): Promise<DiskPlan> {
  let plan = await diskPlan(paths, command, device);
  tell({ kind: 'plan', plan });
  const ran = new Set<StepId>();
  for (;;) {
    const step = plan.steps.find((s) => !s.done);
    if (!step) return plan;
    if (ran.has(step.id)) throw stepNotVisible(plan, step);
    tell({ kind: 'step', plan, step, index: plan.steps.indexOf(step) });
    try {
      await runStep(paths, plan, step, tell);
    } catch (error) {
      throw stepFailure(plan, step, errorWithFix(error));
    }
    ran.add(step.id);
    plan = await diskPlan(paths, command, device);
  }
}
