// dualroot-status's judgements of the ESPs, the booted ESP, the /boot bind, the daemon, the boot
// entries and fstab: facts in, checks and metrics out (into a StatusReport).
import type { BindDecision } from './bind.js';
import { bootedEspAbsent } from './booted-esp.js';
import type { EntriesReport } from './entries-report.js';
import { DualrootError } from './errors.js';
import type { Booted, Esp } from './esp.js';
import { espLinesWithoutNofail, type FstabEntry } from './fstab.js';
import { type MountEntry, mountAt } from './mountinfo.js';
import type { StatusReport } from './status.js';
import type { WatchState } from './watch-state.js';

/** Each ESP mount point has an ESP, each ESP is mounted at one, and there are two of them. */
export function checkEsps(
  report: StatusReport,
  esps: Esp[],
  mounts: MountEntry[],
  espMounts: string[],
  fstab: FstabEntry[] = [],
): void {
  if (espMounts.length === 0)
    report.add(
      'esps',
      '(none)',
      'problem',
      'no ESP mount points (/efi0, /efi1, ...) exist',
      'create /efi0 and /efi1 and mount the ESPs there (docs/arch-install.md)',
    );
  const used = new Set<string>();
  for (const mount of espMounts) {
    const entry = mountAt(mounts, mount);
    const esp = entry && esps.find((e) => e.majorMinor === entry.majorMinor);
    report.metric(
      'dualroot_esp_present',
      'Whether an ESP is mounted at this ESP mount point.',
      { mount },
      esp ? 1 : 0,
    );
    if (esp) {
      used.add(esp.majorMinor);
      report.add('esps', mount, 'ok', `${mount}: ${esp.device} on ${esp.disk} (PARTUUID ${esp.partUuid})`);
    } else if (entry) {
      report.add(
        'esps',
        mount,
        'problem',
        `${mount} is mounted from ${entry.source}, which is not an EFI System Partition`,
        'fix its fstab line',
      );
    } else {
      report.add(
        'esps',
        mount,
        'problem',
        `${mount} is not mounted: its disk is missing or its ESP not mounted`,
        `mount ${mount}; if the disk died, replace it (docs/guide.md)`,
      );
    }
  }
  for (const esp of esps.filter((e) => !used.has(e.majorMinor))) {
    // An ESP fstab mounts somewhere is one of this machine's disks, not a stick that may be ignored.
    const line = fstab.find(
      (e) =>
        e.source.toLowerCase() === `partuuid=${esp.partUuid}` ||
        (esp.fsUuid !== undefined && e.source.toLowerCase() === `uuid=${esp.fsUuid.toLowerCase()}`),
    );
    report.add(
      'esps',
      esp.device,
      'warning',
      `ESP ${esp.device} on ${esp.disk} is not mounted at any ESP mount point${line ? ` (fstab line ${line.line} mounts it at ${line.target})` : ''}`,
      line
        ? `mount ${line.target}`
        : 'mount it at the next free /efiN, or ignore it if it is removable media',
    );
  }
  if (esps.length < 2)
    report.add(
      'esps',
      'count',
      'problem',
      `only ${esps.length} ESP present: no second disk to boot from`,
      'replace the missing disk and recreate its ESP',
    );
}

/** The booted ESP is known and present; returns it when it is known. */
export function checkBooted(report: StatusReport, booted: Booted | DualrootError): Booted | undefined {
  if (booted instanceof DualrootError) {
    report.add('booted', '(unknown)', 'problem', booted.message, booted.hint);
    return undefined;
  }
  if (booted.esp) {
    report.add('booted', booted.partUuid, 'ok', `booted from ${booted.esp.device} (${booted.evidence})`);
  } else {
    const absent = bootedEspAbsent(booted);
    report.add('booted', booted.partUuid, 'problem', absent.message, absent.hint);
  }
  return booted;
}

/** The bind target is the booted ESP, as dualroot-bind decided it. */
export function checkBind(report: StatusReport, target: string, esp: Esp, decision: BindDecision): void {
  if (decision.action === 'none')
    report.add('bind', target, 'ok', `${target} is the booted ESP (${esp.device})`);
  else if (decision.action === 'bind')
    report.add(
      'bind',
      target,
      'problem',
      `${target} is not mounted: kernels installed now land on the root filesystem`,
      'run dualroot-bind',
    );
  else report.add('bind', target, 'problem', decision.message, decision.hint);
}

/** A running daemon's problems and failed syncs (read tolerantly: the file may be older or absent). */
export function checkWatch(report: StatusReport, state: WatchState | undefined): void {
  if (!state?.items || state.stopped) return;
  for (const [name, item] of Object.entries(state.items)) {
    if (item.problem)
      report.add(
        'watch',
        name,
        'warning',
        `dualroot-watch, ${name}: ${item.problem}`,
        'journalctl -u dualroot-watch',
      );
    else if (item.lastResult && item.lastResult !== 'ok')
      report.add(
        'watch',
        name,
        'warning',
        `dualroot-watch, ${name}: last sync ${item.lastResult}${item.message ? `: ${item.message}` : ''}`,
        'journalctl -u dualroot-watch',
      );
  }
}

/** Every ESP has a boot entry the firmware can start; undefined entries: not booted with UEFI. */
export function checkEntries(
  report: StatusReport,
  efivars: string,
  entries: EntriesReport | undefined,
): void {
  if (!entries) {
    report.add(
      'entries',
      '(firmware)',
      'ok',
      `not booted with UEFI (${efivars} absent): boot entries not checked`,
    );
    return;
  }
  for (const { esp, entries: own } of entries.perEsp) {
    report.metric(
      'dualroot_boot_entry_present',
      'Whether an ESP has a firmware boot entry.',
      { partuuid: esp.partUuid },
      own.length > 0 ? 1 : 0,
    );
    if (own.length > 0)
      report.add('entries', esp.device, 'ok', `${esp.device}: ${own[0]!.name} "${own[0]!.description}"`);
  }
  for (const problem of entries.problems)
    report.add(
      'entries',
      '(firmware)',
      'problem',
      problem,
      'dualroot-esp entries --fix (--test shows what it does)',
    );
}

/** ESP lines in fstab have nofail, so a dead disk does not stop the boot. */
export function checkFstab(
  report: StatusReport,
  file: string,
  entries: FstabEntry[] | undefined,
  espMounts: string[],
): void {
  if (!entries) {
    report.add('fstab', file, 'warning', `${file} cannot be read`, 'check the file');
    return;
  }
  const missing = espLinesWithoutNofail(entries, espMounts);
  for (const e of missing) {
    report.add(
      'fstab',
      e.target,
      'warning',
      `${file} line ${e.line} mounts ${e.target} without nofail: if that disk dies, the boot stops in emergency mode`,
      'add nofail,x-systemd.device-timeout=10s to its options',
    );
  }
  if (missing.length === 0) report.add('fstab', file, 'ok', 'ESP lines have nofail');
}
