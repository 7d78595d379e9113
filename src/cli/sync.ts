import { syncRun } from '../app/sync.js';
import { ExitCode } from '../core/errors.js';
import { formatBytes, plural } from '../core/format.js';
import type { JobResult } from '../core/sync-engine.js';
import { type CommonArgs, defaultArgs, isBareHook, parse, parser, pathsFrom, testOption } from './args.js';
import { pacmanStyle, printHookError } from './hook.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-sync';

interface SyncArgs extends CommonArgs {
  test: boolean;
  hook: boolean;
  'allow-mass-delete': boolean;
  'allow-source-change': boolean;
  verbose: boolean;
}

const arrow = (r: JobResult) => `${r.item}: ${r.source} -> ${r.destination}`;

/** dualroot-sync's command line, without running it (for its help and the shell completions). */
export async function syncParser(io: Io) {
  return (
    await parser(
      PROGRAM,
      'Copy the booted ESP to every other ESP, and each [sync:NAME] item to its destinations.',
      io,
    )
  )
    .option('test', testOption('dry run: list what would be created, updated and deleted; change nothing'))
    .option('hook', { type: 'boolean', default: false, describe: 'pacman PostTransaction mode' })
    .option('allow-mass-delete', {
      type: 'boolean',
      default: false,
      describe: 'let a copy delete all or most of its destination (refused otherwise)',
    })
    .option('allow-source-change', {
      type: 'boolean',
      default: false,
      describe: 'accept item sources now on another filesystem than at their last sync',
    })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'name each file deleted' });
}

/** The arguments yargs would give for a bare `--hook`, without loading it (every transaction pays start-up). */
export function hookArgs(io: Io): SyncArgs {
  return { ...plainArgs(io), hook: true };
}

/** The arguments yargs would give for no arguments at all (a sync by hand), without loading it. */
export function plainArgs(io: Io): SyncArgs {
  return {
    ...defaultArgs(io),
    test: false,
    hook: false,
    'allow-mass-delete': false,
    'allow-source-change': false,
    verbose: false,
  };
}

/** The arguments without yargs when the command line is bare (`--hook` or nothing), else undefined. */
function bareArgs(argv: string[], io: Io): SyncArgs | undefined {
  if (isBareHook(argv)) return hookArgs(io);
  return argv.length === 0 ? plainArgs(io) : undefined;
}

/** dualroot-sync: one sync of every other ESP from the booted one, and of the configured items. */
export async function main(argv: string[], io: Io): Promise<number> {
  // yargs' load is a third of the start-up: a bare command line (pacman's, or a sync by hand) skips it.
  const args = bareArgs(argv, io) ?? (await parse<SyncArgs>(await syncParser(io), argv, io));
  if (!args) return ExitCode.ok;
  const log = new Logger(io, PROGRAM, args.quiet);
  const run = await syncRun(pathsFrom(args, io), {
    dryRun: args.test,
    hook: args.hook,
    allowMassDelete: args['allow-mass-delete'],
    allowSourceChange: args['allow-source-change'],
  });
  if (run.kind === 'skipped') {
    io.stdout(pacmanStyle.note(`Skipped: ${run.reason}`));
    return ExitCode.ok;
  }
  if (run.kind === 'bad-config') {
    // Under pacman, a bad config is reported in pacman's own style, like every other hook message.
    printHookError(
      io,
      `dualroot-sync did not run: ${run.error.message}`,
      run.error.hint,
      'then run dualroot-sync: no ESP has been synced since this transaction',
    );
    return run.error.exitCode;
  }
  const { report } = run;
  if (args.json) {
    log.data(
      JSON.stringify(
        {
          dryRun: report.dryRun,
          exitCode: report.exitCode,
          booted: report.booted
            ? { partuuid: report.booted.partUuid, evidence: report.booted.evidence }
            : null,
          warnings: report.warnings,
          notes: report.notes,
          results: report.results,
        },
        null,
        2,
      ),
    );
    return report.exitCode;
  }
  if (args.hook) return hookOutput(report.results, report.warnings, io, report.exitCode);
  for (const w of report.warnings) log.warn(w);
  for (const n of report.notes) log.info(`note: ${n}`);
  if (report.results.length === 0) log.info('nothing to sync: no other ESP mount and no [sync:NAME] items');
  for (const r of report.results) {
    if (r.status === 'missing') log.warn(`${arrow(r)}: skipped: ${r.message}`);
    else if (r.status !== 'ok')
      log.error(`${arrow(r)}: ${r.status === 'refused' ? 'refused' : 'failed'}: ${r.message}`);
    else if (args.test) {
      const c = r.changes;
      log.info(
        `${arrow(r)}: would create ${c?.created.length ?? 0}, update ${c?.updated.length ?? 0}, delete ${c?.deleted.length ?? 0}`,
      );
      for (const p of c?.created ?? []) log.info(`  create ${p}`);
      for (const p of c?.updated ?? []) log.info(`  update ${p}`);
      for (const p of c?.deleted ?? []) log.info(`  delete ${p}`);
      for (const l of r.rewrites ?? []) log.info(`  rewrite ${l}`);
    } else {
      const deleted = r.changes?.deleted ?? [];
      log.info(
        `${arrow(r)}: ${plural(r.changes?.files ?? 0, 'file')}, ${formatBytes(r.changes?.bytes ?? 0)}${deleted.length ? `, ${deleted.length} deleted` : ''}, ${r.seconds.toFixed(1)} s`,
      );
      if (args.verbose) for (const p of deleted) log.info(`  deleted ${p}`);
      if (args.verbose) for (const l of r.rewrites ?? []) log.info(`  rewrote ${l}`);
    }
  }
  return report.exitCode;
}

/** pacman hook output: quiet on success, loud about missing ESPs, exit 0 unless something failed. */
function hookOutput(results: JobResult[], warnings: string[], io: Io, exitCode: number): number {
  for (const w of warnings) io.stderr(pacmanStyle.warning(w));
  for (const r of results) {
    // A leftover staging directory removed: worth a line in pacman's output too.
    if (r.note) io.stdout(pacmanStyle.note(r.note));
    if (r.status === 'ok')
      io.stdout(
        pacmanStyle.note(
          `synced ${r.destination} from ${r.source} (${plural(r.changes?.files ?? 0, 'file')})`,
        ),
      );
    else if (r.status === 'missing')
      io.stderr(
        pacmanStyle.warning(
          `${r.destination} NOT synced: ${r.message}. This machine cannot boot from that disk until it is back and synced (run dualroot-sync).`,
        ),
      );
    else io.stderr(pacmanStyle.error(`${r.destination} NOT synced: ${r.message}`));
  }
  // The transaction is already done; a missing disk is reported loudly but is not a hook failure.
  return exitCode === ExitCode.failure ? ExitCode.failure : ExitCode.ok;
}
