/** dual-root-tool's old command line, as parsed. */
export interface LegacyArgs {
  bind: boolean;
  sync: boolean;
  syncd: boolean;
  test: boolean;
  quiet: boolean;
  /** The positional mount point (the bind target; the old default was /boot). */
  mount: string | undefined;
}

/** One dualroot program to run for an old command, with its arguments. */
export interface NewCommand {
  program: 'dualroot-esp' | 'dualroot-bind' | 'dualroot-sync' | 'dualroot-watch';
  argv: string[];
}

/** argparse took "-sd" as one option; yargs would read it as -s -d: name it before parsing. */
export function normaliseLegacyArgv(argv: string[]): string[] {
  return argv.map((a) => (a === '-sd' ? '--syncd' : a));
}

/**
 * The dualroot programs that do what the old options asked, in the old tool's order (bind, then
 * sync, then the daemon); no option at all printed the booted ESP, which is dualroot-esp.
 */
export function newCommands(args: LegacyArgs, config: string): NewCommand[] {
  const common = ['--config', config, ...(args.quiet ? ['--quiet'] : [])];
  const test = args.test ? ['--test'] : [];
  const commands: NewCommand[] = [];
  if (args.bind)
    commands.push({
      program: 'dualroot-bind',
      argv: [...common, ...test, ...(args.mount ? ['--target', args.mount] : [])],
    });
  if (args.sync) commands.push({ program: 'dualroot-sync', argv: [...common, ...test] });
  if (args.syncd) commands.push({ program: 'dualroot-watch', argv: [...common, ...test] });
  if (commands.length === 0) commands.push({ program: 'dualroot-esp', argv: args.quiet ? ['--quiet'] : [] });
  return commands;
}
