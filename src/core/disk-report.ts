import type { DiskPlan, DiskStep } from './disk-plan.js';
import { FailureError } from './errors.js';
import { shellQuote } from './format.js';

/** A step's commands as a shell would run them (sfdisk's script as a here-document; fstab edits in words). */
export function stepCommandLines(step: DiskStep, fstabPath: string): string[] {
  const lines: string[] = [];
  if (step.fstab?.kind === 'append')
    lines.push(...step.fstab.lines.map((l) => `append to ${fstabPath}: ${l}`));
  if (step.fstab?.kind === 'replace')
    lines.push(`${fstabPath} line ${step.fstab.line}: ${step.fstab.oldSource} → ${step.fstab.newSource}`);
  for (const section of step.config ?? [])
    lines.push(
      `append to the config: [${section.name}] ${section.keys.map((k) => `${k.key} = ${k.value}`).join(', ')}`,
    );
  step.commands.forEach((argv, i) => {
    const line = argv.map(shellQuote).join(' ');
    if (i === 0 && step.input !== undefined)
      lines.push(`${line} <<'EOF'`, ...step.input.trimEnd().split('\n'), 'EOF');
    else lines.push(line);
  });
  return lines;
}

/** The plan as text: every step numbered, done or to do, with its exact commands; then the notes. */
export function planLines(plan: DiskPlan, fstabPath: string): string[] {
  const todo = plan.steps.filter((s) => !s.done).length;
  const lines = [
    `dualroot-disk ${plan.command} ${plan.device}: ${todo === 0 ? 'nothing to do, every step is done' : `${todo} of ${plan.steps.length} steps to do`}`,
  ];
  plan.steps.forEach((step, i) => {
    lines.push(`  ${i + 1}. [${step.done ? 'done' : 'to do'}] ${step.title}`);
    if (!step.done) lines.push(...stepCommandLines(step, fstabPath).map((l) => `       ${l}`));
  });
  lines.push(...plan.notes.map((n) => `  note: ${n}`));
  return lines;
}

/** The error of a step that failed: what was done, what was not, and how to go on. */
export function stepFailure(plan: DiskPlan, step: DiskStep, cause: string): FailureError {
  const index = plan.steps.indexOf(step);
  const done = plan.steps.filter((s) => s.done).map((s) => s.id);
  const notDone = plan.steps.slice(index).map((s) => s.id);
  return new FailureError(
    `step ${index + 1}/${plan.steps.length} (${step.title}) failed: ${cause}; done: ${done.join(', ') || 'nothing'}; not done: ${notDone.join(', ')}`,
    `fix the cause, then run dualroot-disk ${plan.command} ${plan.device} again: it checks the done steps and goes on from this one`,
  );
}

/** The error of a step that ran without error but whose result the machine does not show. */
export function stepNotVisible(plan: DiskPlan, step: DiskStep): FailureError {
  return stepFailure(
    plan,
    step,
    'it ran without an error, but reading the machine again does not show its result',
  );
}
