import { migrateRun } from '../app/migrate.js';
import { ExitCode } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom, refuseJson } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-migrate';

interface MigrateArgs extends CommonArgs {
  file: string | undefined;
  write: boolean;
  force: boolean;
}

/** dualroot-migrate's command line, without running it (for its help and the shell completions). */
export async function migrateParser(io: Io) {
  return (
    await parser(
      PROGRAM,
      "Translate dual-root's sync-daemon.conf (FILE, default /etc/dual-root/sync-daemon.conf) into dualroot.conf: printed on stdout, installed with --write.",
      io,
    )
  )
    .command('$0 [file]', false, (y) =>
      y.positional('file', { type: 'string', describe: 'the old config (env DUALROOT_LEGACY_CONFIG)' }),
    )
    .option('write', {
      type: 'boolean',
      default: false,
      describe:
        'install it as --config (root:root, mode 644); refused if that file sets options, unless --force',
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'with --write: replace a config that sets options (kept as FILE.bak)',
    })
    .hide('efivars')
    .hide('json');
}

/** dualroot-migrate: the new config on stdout, explanations and warnings on stderr; nothing written on any error. */
export async function main(argv: string[], io: Io): Promise<number> {
  // yargs types the positional of a default command loosely: file is a string or absent.
  const args = (await parse(await migrateParser(io), argv, io)) as MigrateArgs | undefined;
  if (!args) return ExitCode.ok;
  refuseJson(args, PROGRAM, 'its output is the config file itself');
  const log = new Logger(io, PROGRAM, args.quiet);
  const result = migrateRun(pathsFrom(args, io), { file: args.file, write: args.write, force: args.force });
  if (!args.write) io.stdout(result.migration.text.replace(/\n$/, ''));
  if (!args.quiet)
    for (const n of [...result.notes, ...result.migration.notes]) io.stderr(`${PROGRAM}: note: ${n}`);
  for (const w of [...result.migration.warnings, ...result.warnings]) log.warn(w);
  if (result.installed) {
    const { file, backup } = result.installed;
    io.stderr(
      `${PROGRAM}: installed ${file} from ${result.source}${backup ? ` (the previous file is kept as ${backup})` : ''}; check it with dualroot-sync --test`,
    );
  }
  return ExitCode.ok;
}
