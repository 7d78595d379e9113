// Scenario 5's dual-root part, under real systemd: a machine still set up as dual-root 3.6's
// documentation says (ESP fstab lines with x-systemd.before=bind-mount-efi.service, the old units
// enabled under their old names, /etc/dual-root/sync-daemon.conf) boots with dualroot's units
// through the aliases; dualroot-status names each leftover with its clean-up, and after those
// clean-ups names none (docs/migrating.md). Then the habit: `systemctl enable bind-mount-efi.service
// dual-root-syncd.service` in the running system, and a boot with what that enabled.
import { execa } from 'execa';
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type Boot, type LabInfo, repo } from './lab.js';
import {
  assertBootState,
  assertSystemdBooted,
  BOOT_TIMEOUT_MS,
  EMERGENCY,
  type MachineState,
  machineFrom,
  problems,
  reportSteps,
  units,
} from './systemd-checks.js';

const OLD_OPTION = 'x-systemd.before=bind-mount-efi.service';
const NEW_OPTION = 'x-systemd.before=dualroot-bind.service';
const OLD_CONFIG = '/etc/dual-root/sync-daemon.conf';
const WANTS = '/etc/systemd/system/multi-user.target.wants';

/**
 * What dual-root left on the root (run by edit-root.sh with $ROOT): its fstab option on both ESP
 * lines, its two units enabled under their own names (the links `systemctl enable` made when they
 * were dual-root's unit files; its documentation does not show their [Install], multi-user.target
 * is assumed), its config, and dualroot's units not enabled under their new names.
 */
const LEFTOVERS = `
[ "$(grep -c '${NEW_OPTION}' "$ROOT/etc/fstab")" = 2 ]
sed -i 's/${NEW_OPTION}/${OLD_OPTION}/' "$ROOT/etc/fstab"
systemctl --root="$ROOT" disable dualroot-bind.service dualroot-watch.service
mkdir -p "$ROOT${WANTS}" "$ROOT/etc/dual-root"
ln -s /usr/lib/systemd/system/bind-mount-efi.service "$ROOT${WANTS}/bind-mount-efi.service"
ln -s /usr/lib/systemd/system/dual-root-syncd.service "$ROOT${WANTS}/dual-root-syncd.service"
printf 'dualroot = true\\n' >"$ROOT${OLD_CONFIG}"
`;

/**
 * The guest's part of the leftovers boot: the old names at work, the status notes, then each
 * documented clean-up (the unit-link fixes are run exactly as dualroot-status printed them), the
 * notes again, then the habit of enabling the units under the old names.
 */
const LEFTOVER_STEPS = `
run legacy-fstab grep -c '${OLD_OPTION}' /etc/fstab
run legacy-ids systemctl show -p Id,ActiveState bind-mount-efi.service dual-root-syncd.service
run legacy-restart systemctl restart dual-root-syncd.service
run legacy-watch systemctl show -p Id,ActiveState dualroot-watch.service
run legacy-status dualroot-status --json
run legacy-migrate dualroot-migrate --write
run legacy-status-migrated dualroot-status --json
cat >/run/legacy-fixes.cjs <<'EOF'
const { checks } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
for (const c of checks) if (c.check === 'legacy' && /^rm \\S+ && systemctl /.test(c.fix ?? '')) console.log(c.fix);
EOF
dualroot-status --json | node /run/legacy-fixes.cjs >/run/legacy-fixes.sh
run legacy-fix-list cat /run/legacy-fixes.sh
run legacy-fixes sh -e /run/legacy-fixes.sh
run legacy-fstab-fix sed -i 's/${OLD_OPTION}/${NEW_OPTION}/' /etc/fstab
run legacy-reload systemctl daemon-reload
run legacy-rm-config rm ${OLD_CONFIG}
run legacy-status-clean dualroot-status --json
run legacy-enabled systemctl is-enabled dualroot-bind.service dualroot-watch.service
run legacy-before systemctl show -p Id,Before efi0.mount efi1.mount
run habit-disable systemctl disable dualroot-bind.service dualroot-watch.service
run habit-enable systemctl enable bind-mount-efi.service dual-root-syncd.service
run habit-enabled systemctl is-enabled bind-mount-efi.service dualroot-bind.service dual-root-syncd.service dualroot-watch.service
run habit-status dualroot-status --json
`;

/** The legacy checks of a `dualroot-status --json` run, as message/fix pairs. */
function legacyChecks(t: Test, boot: Boot, name: string) {
  const checks: { check: string; subject: string; level: string; message: string; fix?: string }[] =
    json(t, boot, name).checks ?? [];
  return checks.filter((c) => c.check === 'legacy');
}

/** The status run exited 0 (healthy: warnings never degrade) and its legacy checks are all warnings. */
function assertHealthy(t: Test, boot: Boot, name: string, what: string): void {
  t.equal(run(t, boot, name).exit, 0, `${what}: dualroot-status exits 0${problems(t, boot, name)}`);
  t.ok(
    legacyChecks(t, boot, name).every((c) => c.level === 'warning'),
    `${what}: leftovers are warnings only`,
  );
}

/** The leftovers boot, then the boot after the clean-ups and the habit (`from`: the healthy state after boot 1). */
export async function scenarioLegacy(t: Test, lab: LabInfo, from: MachineState): Promise<void> {
  const m = machineFrom('5-systemd-dual-root', lab, from);
  await execa('bash', [`${repo}/test/vm/edit-root.sh`, m.disk(0), m.disk(1), LEFTOVERS]);
  const boot = await m.boot({
    label: 'dual-root-leftovers',
    disks: [0, 1],
    timeoutMs: BOOT_TIMEOUT_MS,
    stopOn: EMERGENCY,
    steps: `${reportSteps(lab)}${LEFTOVER_STEPS}`,
  });
  const what = "dual-root's leftovers";
  assertSystemdBooted(t, boot, what);
  t.equal(
    run(t, boot, 'legacy-fstab').stdout.trim(),
    '2',
    `${what}: both ESP lines order with ${OLD_OPTION}`,
  );
  // The old links and the old fstab option alone start and order dualroot's units.
  assertBootState(t, boot, lab, 0, what);
  const ids = units(t, boot, 'legacy-ids');
  t.same(
    [...ids.keys()],
    ['dualroot-bind.service', 'dualroot-watch.service'],
    `${what}: systemd reads the old names as the dualroot units`,
  );
  t.equal(run(t, boot, 'legacy-restart').exit, 0, `systemctl restart dual-root-syncd.service works`);
  t.equal(
    units(t, boot, 'legacy-watch').get('dualroot-watch.service')?.ActiveState,
    'active',
    'and the daemon runs again',
  );

  assertHealthy(t, boot, 'legacy-status', what);
  const wants = (unit: string) => `${WANTS}/${unit}`;
  t.match(
    legacyChecks(t, boot, 'legacy-status').sort((a, b) => (a.subject < b.subject ? -1 : 1)),
    [
      {
        subject: '/efi0',
        message: new RegExp(`line \\d+ \\(/efi0\\) has ${OLD_OPTION}`),
        fix: `replace it with ${NEW_OPTION}`,
      },
      {
        subject: '/efi1',
        message: new RegExp(`line \\d+ \\(/efi1\\) has ${OLD_OPTION}`),
        fix: `replace it with ${NEW_OPTION}`,
      },
      { subject: OLD_CONFIG, message: /is not translated/, fix: /^dualroot-migrate --write/ },
      {
        subject: wants('bind-mount-efi.service'),
        message: /enabled under dual-root's name/,
        fix: `rm ${wants('bind-mount-efi.service')} && systemctl enable dualroot-bind.service`,
      },
      {
        subject: wants('dual-root-syncd.service'),
        message: /enabled under dual-root's name/,
        fix: `rm ${wants('dual-root-syncd.service')} && systemctl enable dualroot-watch.service`,
      },
    ],
    `${what}: dualroot-status names each leftover with its clean-up`,
  );
  t.equal(legacyChecks(t, boot, 'legacy-status').length, 5, `${what}: five notes, no more`);
  t.equal(
    run(t, boot, 'legacy-migrate').exit,
    0,
    `dualroot-migrate --write: ${run(t, boot, 'legacy-migrate').stderr}`,
  );
  t.match(
    legacyChecks(t, boot, 'legacy-status-migrated').find((c) => c.subject === OLD_CONFIG),
    { message: /still there but unused/, fix: new RegExp(`then remove ${OLD_CONFIG}$`) },
    'once translated, the old config is noted as unused',
  );
  const fixes = run(t, boot, 'legacy-fix-list').stdout.trim().split('\n');
  t.equal(fixes.length, 2, `the two unit-link clean-ups were run: ${fixes.join('; ')}`);
  t.equal(run(t, boot, 'legacy-fixes').exit, 0, `they succeed: ${run(t, boot, 'legacy-fixes').stderr}`);
  for (const step of ['legacy-fstab-fix', 'legacy-reload', 'legacy-rm-config'])
    t.equal(run(t, boot, step).exit, 0, `${step}: ${run(t, boot, step).stderr}`);
  assertHealthy(t, boot, 'legacy-status-clean', 'after the clean-ups');
  t.same(legacyChecks(t, boot, 'legacy-status-clean'), [], 'after the clean-ups: no note left');
  t.same(
    run(t, boot, 'legacy-enabled').stdout.trim().split('\n'),
    ['enabled', 'enabled'],
    'the units are enabled under their new names',
  );
  const before = units(t, boot, 'legacy-before');
  for (const mount of ['efi0.mount', 'efi1.mount'])
    t.match(
      before.get(mount)?.Before ?? '',
      /dualroot-bind\.service/,
      `after the fstab fix ${mount} still orders before the bind`,
    );

  // The habit: enabling the old names in the running system enables dualroot's units under their own names.
  t.equal(
    run(t, boot, 'habit-enable').exit,
    0,
    `systemctl enable bind-mount-efi.service dual-root-syncd.service: ${run(t, boot, 'habit-enable').stderr}`,
  );
  t.same(
    run(t, boot, 'habit-enabled').stdout.trim().split('\n'),
    ['alias', 'enabled', 'alias', 'enabled'],
    'the old names are aliases of the enabled units',
  );
  assertHealthy(t, boot, 'habit-status', 'enabled under the old names');
  t.same(legacyChecks(t, boot, 'habit-status'), [], 'enabling through the old names leaves nothing to tidy');

  // What the clean-ups and the habit left boots as dualroot's own setup.
  const next = await m.boot({
    label: 'after-clean-up',
    disks: [0, 1],
    timeoutMs: BOOT_TIMEOUT_MS,
    stopOn: EMERGENCY,
    steps: `${reportSteps(lab)}run clean-fstab grep -c bind-mount-efi /etc/fstab\n`,
  });
  const after = 'after the clean-ups';
  assertSystemdBooted(t, next, after);
  assertBootState(t, next, lab, 0, after);
  t.equal(run(t, next, 'clean-fstab').stdout.trim(), '0', `${after}: fstab names the old unit no more`);
  t.equal(run(t, next, 'status').exit, 0, `${after}: dualroot-status exits 0${problems(t, next, 'status')}`);
  t.same(legacyChecks(t, next, 'status'), [], `${after}: dualroot-status notes no leftover`);
}
