import { espRun } from '../app/esp.js';
import { bootVariableName, formatBootNumber } from '../core/efivars.js';
import { ExitCode } from '../core/errors.js';
import type { Booted, Esp } from '../core/esp.js';
import { type CommonArgs, parse, parser, pathsFrom } from './args.js';
import { main as entries, entriesOptions } from './entries.js';
import { diskMapJson, diskMapLines } from './esp-map.js';
import { type Io, Logger } from './output.js';

const PROGRAM = 'dualroot-esp';

/** JSON form of an ESP. */
function espJson(esp: Esp, booted: Booted | undefined) {
  return {
    device: esp.device,
    disk: esp.disk,
    partition: esp.number,
    partuuid: esp.partUuid,
    uuid: esp.fsUuid ?? null,
    fstype: esp.fsType ?? null,
    label: esp.label ?? null,
    mounts: esp.mounts,
    booted: booted?.partUuid === esp.partUuid,
  };
}

/** Human line for an ESP. */
function espLine(esp: Esp, booted: Booted | undefined): string {
  const mark = booted?.partUuid === esp.partUuid ? '*' : ' ';
  const fs = `${esp.fsType ?? 'no filesystem'}${esp.fsType && esp.fsType !== 'vfat' ? ' (not FAT!)' : ''}`;
  const mounted = esp.mounts.length > 0 ? `mounted at ${esp.mounts.join(', ')}` : 'not mounted';
  return `${mark} ${esp.device}  disk ${esp.disk} partition ${esp.number}  PARTUUID ${esp.partUuid}  UUID ${esp.fsUuid ?? '-'}  ${fs}  ${mounted}`;
}

/** dualroot-esp's command line, without running it (its entries subcommand: entriesParser). */
export async function espParser(io: Io) {
  return (
    await parser(
      PROGRAM,
      'List the EFI System Partitions, say which one the firmware booted and how we know, and show the disk maps.',
      io,
    )
  ).command(
    'entries',
    'list the firmware boot entries (Boot####); --fix creates and orders them, --prune removes stale ones',
    entriesOptions,
  );
}

/** dualroot-esp: list the ESPs and name the booted one with its evidence. */
export async function main(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'entries') return entries(argv.slice(1), io);
  const args = await parse<CommonArgs>(await espParser(io), argv, io);
  if (!args) return ExitCode.ok;
  const log = new Logger(io, PROGRAM, args.quiet);
  const { machine, booted, failure, diskMaps } = await espRun(pathsFrom(args, io));
  const fw = machine.firmware;
  const [maps, mapError] = diskMaps instanceof Error ? [undefined, diskMaps] : [diskMaps, undefined];
  if (args.json) {
    log.data(
      JSON.stringify(
        {
          booted: booted
            ? {
                partuuid: booted.partUuid,
                evidence: booted.evidence,
                device: booted.esp?.device ?? null,
                present: booted.esp !== undefined,
              }
            : null,
          error: failure ? failure.message : undefined,
          firmware: {
            efivars: fw.efivarsDir,
            loaderDevicePartUuid: fw.loaderDevicePartUuid ?? null,
            bootCurrent: fw.bootCurrent === undefined ? null : formatBootNumber(fw.bootCurrent),
            bootCurrentPartUuid: fw.bootCurrentPartUuid ?? null,
            problems: [fw.loaderProblem, fw.bootCurrentProblem].filter(Boolean),
          },
          esps: machine.esps.map((e) => espJson(e, booted)),
          diskMaps: maps ? maps.map(diskMapJson) : null,
          diskMapsError: mapError ? { message: mapError.message, fix: mapError.hint ?? null } : undefined,
        },
        null,
        2,
      ),
    );
    return failure ? failure.exitCode : ExitCode.ok;
  }
  if (booted) {
    const where = booted.esp
      ? `${booted.esp.device} (disk ${booted.esp.disk})`
      : 'device absent: no partition on this machine has that PARTUUID';
    log.info(`booted ESP: PARTUUID ${booted.partUuid}, ${where}`);
    log.info(
      `  decided by: ${booted.evidence}${booted.evidence === 'BootCurrent' && fw.bootCurrent !== undefined ? ` (${bootVariableName(fw.bootCurrent)})` : ''}`,
    );
  }
  log.info(
    machine.esps.length === 0
      ? 'no ESP found (no partition has the ESP type GUID)'
      : `ESPs (${machine.esps.length}):`,
  );
  for (const esp of machine.esps) log.info(`  ${espLine(esp, booted)}`);
  for (const problem of [
    fw.loaderProblem && `LoaderDevicePartUUID ${fw.loaderProblem}`,
    fw.bootCurrentProblem && `BootCurrent: ${fw.bootCurrentProblem}`,
  ]) {
    if (problem && !failure && booted?.evidence !== 'LoaderDevicePartUUID') log.info(`  note: ${problem}`);
  }
  if (maps) for (const line of diskMapLines(maps)) log.info(line);
  else if (mapError)
    log.info(`disk maps not shown: ${mapError.message}${mapError.hint ? `; fix: ${mapError.hint}` : ''}`);
  if (failure) throw failure;
  return ExitCode.ok;
}
