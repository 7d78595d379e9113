import { diskPlan, diskRun } from '../app/disk.js';
import type { DiskCommand } from '../core/disk-facts.js';
import { planLines, stepCommandLines } from '../core/disk-report.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom, refuseJson, testOption } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-disk';

interface DiskArgs extends CommonArgs {
  _: (string | number)[];
  action?: string;
  device?: string;
  test: boolean;
}

/** dualroot-disk's command line, without running it (for its help and the shell completions). */
export async function diskParser(io: Io) {
  return (
    await parser(
      PROGRAM,
      "Give a blank disk the booted disk's layout and make it a full member (add), or put it in place of a dead one (replace). Prints every step as the exact command first; refuses a disk in use.",
      io,
    )
  )
    .command(
      'add <device>',
      "make a one-disk machine two-disk: partition, ESP, fstab, loader, sync, boot entry; the root joins its btrfs or md RAID1, or (plain ext4/xfs root) is copied as the new disk's own, kept in sync by [sync:NAME] items",
    )
    .command(
      'replace <device>',
      "the same on a new disk in place of the dead one (fstab's ESP line, the RAID1's missing device; RAID1 roots only)",
    )
    .command('plan <action> <device>', 'print the plan of add or replace, change nothing', (y) =>
      y.positional('action', { choices: ['add', 'replace'] as const }),
    )
    .demandCommand(1, 'name a command: add, replace or plan')
    .option('test', testOption('print the plan, change nothing (same as plan)'));
}

/** dualroot-disk: add a second disk, or replace a dead one, in printed and resumable steps. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<DiskArgs>(await diskParser(io), argv, io);
  if (!args) return ExitCode.ok;
  const [verb] = args._.map(String);
  const command = (verb === 'plan' ? args.action : verb) as DiskCommand | undefined;
  const device = args.device;
  if ((command !== 'add' && command !== 'replace') || !device)
    throw new UsageError(`unknown command ${verb ?? ''}`.trim(), `see ${PROGRAM} --help`);
  const log = new Logger(io, PROGRAM, args.quiet);
  const paths = pathsFrom(args, io);
  if (verb === 'plan' || args.test) {
    const plan = await diskPlan(paths, command, device);
    if (args.json) log.data(JSON.stringify(plan, null, 2));
    else for (const line of planLines(plan, paths.fstab)) log.info(line);
    return ExitCode.ok;
  }
  refuseJson(args, PROGRAM, `${PROGRAM} plan ${command} ${device} --json prints the plan`);
  const plan = await diskRun(paths, command, device, (event) => {
    if (event.kind === 'plan') for (const line of planLines(event.plan, paths.fstab)) log.info(line);
    if (event.kind === 'step') {
      log.info(`==> step ${event.index + 1}/${event.plan.steps.length}: ${event.step.title}`);
      for (const line of stepCommandLines(event.step, paths.fstab)) log.info(`    ${line}`);
    }
    if (event.kind === 'output') log.info(`    | ${event.line}`);
  });
  const root = plan.secondRoot
    ? `its own root ${plan.secondRoot.filesystems.map((f) => f.node).join(', ')} at ${plan.secondRoot.mount}, kept in sync by ${plan.secondRoot.items.map((i) => `[sync:${i.name}]`).join(' ')}`
    : `${plan.layout.root.node} in the root RAID1`;
  log.info(`${device} (${plan.layout.esp.node} at ${plan.espMount}, ${root}): every step done`);
  for (const note of plan.notes) log.info(`note: ${note}`);
  return ExitCode.ok;
}
