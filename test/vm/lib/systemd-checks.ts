// What every boot of UEFI lab scenario 5 (real systemd as init) reports and must show: the steps it
// runs once systemd is done, and the assertions on units, mounts, dualroot-bind's order and the
// status unit. Shared by test/vm/systemd.test.ts and its dual-root leftovers part (systemd-legacy.ts).
import { copyFileSync } from 'node:fs';
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type Boot, copySparse, type LabInfo, LabMachine } from './lab.js';

/** A machine's disks and variable store after some boots, for other machines to start from. */
export interface MachineState {
  disks: string[];
  vars: string;
}

/** A new machine starting from a saved state: copies, so two machines never share a btrfs (no split brain). */
export function machineFrom(name: string, lab: LabInfo, from: MachineState): LabMachine {
  const m = new LabMachine(name, lab, 'golden-systemd');
  for (const slot of [0, 1]) copySparse(from.disks[slot] as string, m.disk(slot));
  copyFileSync(from.vars, m.vars);
  return m;
}

/** What systemd prints when the boot falls into emergency or rescue mode (root locked or not). */
export const EMERGENCY =
  /You are in (emergency|rescue) mode|Give root password for maintenance|Cannot open access to console, the root account is locked/;
/** A systemd boot under TCG takes about a minute; leave room for a busy machine. */
export const BOOT_TIMEOUT_MS = 420_000;

/** Steps every boot runs once systemd is done: the state of the units, mounts and dualroot's view. */
export function reportSteps(lab: LabInfo): string {
  return `
run units systemctl show -p Id,ActiveState,SubState,Result,InactiveExitTimestampMonotonic,ActiveEnterTimestampMonotonic,MemoryDenyWriteExecute dualroot-bind.service local-fs.target efi0.mount efi1.mount dualroot-watch.service multi-user.target emergency.target rescue.target
run failed systemctl list-units --failed --plain --no-legend
run efi0-before systemctl show -p Before efi0.mount
run efi1-before systemctl show -p Before efi1.mount
result boot-source "$(findmnt -n -o SOURCE /boot)"
result esp0-dev "$(readlink -f /dev/disk/by-partuuid/${lab.espPartuuids[0]})"
result esp1-dev "$(readlink -f /dev/disk/by-partuuid/${lab.espPartuuids[1]})"
run bind-check dualroot-bind --check
run esp dualroot-esp --json
run status dualroot-status --json
run journal journalctl -b --no-pager -o short-monotonic -u dualroot-bind.service -u dualroot-watch.service -u efi0.mount -u efi1.mount
run status-unit systemctl start dualroot-status.service
run status-units systemctl show -p Id,ActiveState,UnitFileState,Result,ExecMainStatus dualroot-status.service dualroot-status.timer
run prom cat /var/lib/prometheus/node-exporter/dualroot.prom
run status-journal journalctl -b --no-pager -o cat -u dualroot-status.service
`;
}

/**
 * dualroot-status.service, started as its timer starts it, ran under its hardening (real systemd
 * 252) and wrote the node_exporter metrics: degraded (exit 3) is a successful run whose metrics say so.
 */
export function assertStatusUnit(t: Test, boot: Boot, what: string, degraded?: boolean): void {
  const detail = `${run(t, boot, 'status-unit').stderr}${run(t, boot, 'status-journal').stdout}`;
  t.equal(
    run(t, boot, 'status-unit').exit,
    0,
    `${what}: systemctl start dualroot-status.service succeeds ${detail}`,
  );
  const u = units(t, boot, 'status-units');
  const service = u.get('dualroot-status.service');
  t.equal(service?.Result, 'success', `${what}: the status unit's result is success`);
  t.equal(u.get('dualroot-status.timer')?.UnitFileState, 'enabled', `${what}: the timer is enabled`);
  t.equal(u.get('dualroot-status.timer')?.ActiveState, 'active', `${what}: the timer is waiting`);
  const status = service?.ExecMainStatus;
  if (degraded === undefined) t.ok(status === '0' || status === '3', `${what}: exit 0 or 3, got ${status}`);
  else
    t.equal(status, degraded ? '3' : '0', `${what}: dualroot-status in the unit exited ${degraded ? 3 : 0}`);
  const prom = run(t, boot, 'prom');
  t.equal(prom.exit, 0, `${what}: the metrics file exists ${prom.stderr}`);
  const value = status === '3' ? 1 : 0;
  t.match(
    prom.stdout,
    new RegExp(`^dualroot_degraded ${value}$`, 'm'),
    `${what}: dualroot_degraded ${value}`,
  );
  t.match(prom.stdout, /^dualroot_status_timestamp_seconds \d+/m, `${what}: the metrics have their time`);
}

/** `systemctl show` of several units, by Id. */
export function units(t: Test, boot: Boot, name = 'units'): Map<string, Record<string, string>> {
  const byId = new Map<string, Record<string, string>>();
  for (const block of run(t, boot, name).stdout.split(/\n\s*\n/)) {
    const props: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    if (props.Id) byId.set(props.Id, props);
  }
  return byId;
}

/** The checks a `dualroot-status --json` run did not pass, for a failure message. */
export function problems(t: Test, boot: Boot, name: string): string {
  const checks: { level: string; message: string }[] = json(t, boot, name).checks ?? [];
  const bad = checks.filter((c) => c.level !== 'ok').map((c) => `${c.level}: ${c.message}`);
  return bad.length > 0 ? ` [${bad.join('; ')}]` : '';
}

/** A systemd boot got through: no timeout, no Shell, no emergency mode, steps ran, powered off. */
export function assertSystemdBooted(t: Test, boot: Boot, what: string): void {
  t.notOk(
    boot.stoppedOn,
    `${what}: no emergency or rescue mode (${boot.stoppedOn ?? 'none'}; log ${boot.logFile})`,
  );
  t.notOk(boot.timedOut, `${what}: QEMU finished before the timeout (log ${boot.logFile})`);
  t.notOk(boot.shell, `${what}: firmware did not fall into the UEFI Shell (log ${boot.logFile})`);
  t.equal(boot.results.get('booted'), 'systemd', `${what}: systemd ran lab-report.service`);
  t.same(boot.failures, [], `${what}: no @@FAIL from the guest`);
  t.ok(boot.ended, `${what}: the steps ran to the end (log ${boot.logFile})`);
  t.equal(boot.results.get('steps-exit'), '0', `${what}: steps exited 0`);
  t.comment(`${what}: ${boot.seconds.toFixed(1)} s`);
}

/**
 * What every boot must show, with `kept` the disk that booted: multi-user.target reached, no
 * emergency/rescue target, no failed unit, /boot the booted ESP bound before local-fs.target, and the
 * daemon running.
 */
export function assertBootState(t: Test, boot: Boot, lab: LabInfo, kept: number, what: string): void {
  const u = units(t, boot);
  const state = (id: string) => u.get(id)?.ActiveState;
  const mono = (id: string, prop: string) => Number(u.get(id)?.[prop] ?? Number.NaN);
  t.equal(state('multi-user.target'), 'active', `${what}: multi-user.target reached`);
  t.equal(state('emergency.target'), 'inactive', `${what}: emergency.target not active`);
  t.equal(state('rescue.target'), 'inactive', `${what}: rescue.target not active`);
  t.equal(run(t, boot, 'failed').stdout.trim(), '', `${what}: no failed unit (systemctl --failed)`);
  t.equal(boot.results.get('system-state'), 'running', `${what}: systemctl is-system-running says running`);

  const bind = 'dualroot-bind.service';
  t.equal(state(bind), 'active', `${what}: ${bind} active (${u.get(bind)?.Result})`);
  t.equal(u.get(bind)?.Result, 'success', `${what}: ${bind} succeeded`);
  const bindDone = mono(bind, 'ActiveEnterTimestampMonotonic');
  const localFs = mono('local-fs.target', 'ActiveEnterTimestampMonotonic');
  t.ok(
    bindDone > 0 && localFs > 0 && bindDone <= localFs,
    `${what}: ${bind} finished (${bindDone} µs) before local-fs.target was reached (${localFs} µs)`,
  );
  const espMount = `efi${kept}.mount`;
  t.equal(state(espMount), 'active', `${what}: ${espMount} (the booted ESP) is mounted`);
  t.ok(
    mono(espMount, 'ActiveEnterTimestampMonotonic') <= mono(bind, 'InactiveExitTimestampMonotonic'),
    `${what}: ${espMount} was mounted before ${bind} started`,
  );
  t.match(
    run(t, boot, `efi${kept}-before`).stdout,
    /dualroot-bind\.service/,
    `${what}: the fstab option orders ${espMount} before ${bind}`,
  );
  const bootSource = boot.results.get('boot-source');
  t.ok(bootSource, `${what}: /boot is mounted`);
  t.equal(
    bootSource,
    boot.results.get(`esp${kept}-dev`),
    `${what}: /boot is disk ${kept}'s ESP (${bootSource})`,
  );
  t.equal(run(t, boot, 'bind-check').exit, 0, `${what}: dualroot-bind --check agrees`);
  const esp = json(t, boot, 'esp');
  t.equal(esp.booted?.partuuid, lab.espPartuuids[kept], `${what}: dualroot-esp names disk ${kept}'s ESP`);
  t.equal(state('dualroot-watch.service'), 'active', `${what}: dualroot-watch.service is running`);
}
