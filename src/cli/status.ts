import { statusRun } from '../app/status.js';
import { ExitCode } from '../core/errors.js';
import { type CommonArgs, parse, parser, pathsFrom } from './args.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-status';

interface StatusArgs extends CommonArgs {
  verify: boolean;
  prometheus: string | undefined;
}

/** dualroot-status's command line, without running it (for its help and the shell completions). */
export async function statusParser(io: Io) {
  return (
    await parser(
      PROGRAM,
      'Check that this machine will still boot if either disk dies: ESPs, /boot, sync, boot entries, fstab, RAID.',
      io,
    )
  )
    .option('verify', {
      type: 'boolean',
      default: false,
      describe: 'compare file contents (checksums), not only names, sizes and times',
    })
    .option('prometheus', {
      type: 'string',
      describe: 'also write node_exporter textfile metrics to FILE (atomically)',
    });
}

/** dualroot-status: will this machine boot if either disk dies? */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = await parse<StatusArgs>(await statusParser(io), argv, io);
  if (!args) return ExitCode.ok;
  const log = new Logger(io, PROGRAM, args.quiet);
  const {
    checks,
    exitCode: judged,
    metricsError,
  } = await statusRun(pathsFrom(args, io), {
    verify: args.verify,
    prometheus: args.prometheus,
  });
  const exitCode = metricsError ? metricsError.exitCode : judged;
  if (args.json) {
    const error = metricsError
      ? { message: metricsError.message, fix: metricsError.hint ?? null }
      : undefined;
    log.data(JSON.stringify({ healthy: judged === 0, exitCode, checks, error }, null, 2));
    return exitCode;
  }
  for (const c of checks) {
    if (args.quiet && c.level === 'ok') continue;
    io.stdout(`${c.level.padEnd(8)} ${c.check.padEnd(9)} ${c.message}`);
    if (c.fix) io.stdout(`${' '.repeat(18)} fix: ${c.fix}`);
  }
  const problems = checks.filter((c) => c.level === 'problem').length;
  const warnings = checks.filter((c) => c.level === 'warning').length;
  log.info(
    problems > 0
      ? `DEGRADED: ${problems} problem${problems === 1 ? '' : 's'}: this machine may not boot if a disk dies`
      : `healthy: this machine can boot from either disk${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`,
  );
  if (metricsError) throw metricsError;
  return exitCode;
}
