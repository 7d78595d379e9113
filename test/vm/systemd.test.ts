// UEFI lab scenario 5: real systemd as init. A minimal Debian root (mmdebstrap, Debian's packages)
// on the lab's btrfs RAID1, with dualroot installed by packaging/install.sh, its units enabled and
// the ESP fstab lines written exactly as docs/arch-install.md says (test/vm/build-systemd.sh). Proves
// that /boot is the booted ESP before local-fs.target, that dualroot-watch syncs a change, and that
// with either disk missing the boot reaches multi-user.target without emergency mode; and that
// dual-root's unit names, fstab option and config keep working and are tidied as documented.
// Run: npm run test:vm, or npx tap --disable-coverage test/vm/systemd.test.ts (root; docs/uefi-lab.md).
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { json, run } from './lib/guest-results.js';
import {
  type Boot,
  buildSystemdLab,
  type LabInfo,
  LabMachine,
  missingPrerequisites,
  repo,
} from './lib/lab.js';
import { buildTwoRootsLab, scenarioTwoRoots } from './lib/scenario-two-roots.js';
import {
  assertBootState,
  assertStatusUnit,
  assertSystemdBooted,
  BOOT_TIMEOUT_MS,
  EMERGENCY,
  type MachineState,
  machineFrom,
  problems,
  reportSteps,
  units,
} from './lib/systemd-checks.js';
import { scenarioLegacy } from './lib/systemd-legacy.js';

function hasProgram(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.some((dir) => dir !== '' && existsSync(`${dir}/${name}`));
}

const missing = [
  ...missingPrerequisites(),
  ...(hasProgram('mmdebstrap') ? [] : ['mmdebstrap (apt-get install mmdebstrap)']),
  ...(hasProgram('systemctl') ? [] : ['systemctl (apt-get install systemd)']),
];
if (process.env.DUALROOT_SKIP_VM === '1') {
  const reason = `UEFI lab scenario 5 skipped because DUALROOT_SKIP_VM=1${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}`;
  console.error(`\n!!! SKIPPING THE UEFI LAB (systemd): ${reason}\n`);
  t.skip(reason, () => {});
} else if (missing.length > 0) {
  t.fail(
    `UEFI lab scenario 5 cannot run, missing: ${missing.join(', ')}. Install them, or set DUALROOT_SKIP_VM=1 to skip the lab explicitly.`,
  );
} else {
  const lab = await buildSystemdLab();
  t.test('5: real systemd: units and fstab as documented; boots with either disk missing', (t) =>
    scenarioSystemd(t, lab),
  );
  const twoRoots = await buildTwoRootsLab();
  t.test(
    '10: approach 2, two ext4 roots (the second made by dualroot-disk add): each disk boots its own',
    (t) => scenarioTwoRoots(t, twoRoots),
  );
}

/**
 * An md RAID1 (two loop files, the guest's own md driver) mounted as the root dualroot-status checks
 * (DUALROOT_ROOT): healthy, a member failed and removed, the member re-added and rebuilding
 * (throttled so the check sees it), rebuilt. Each state's /proc/mdstat is printed with the check.
 */
function mdSteps(): string {
  return `
modprobe raid1
truncate -s 48M /var/tmp/md-a.img /var/tmp/md-b.img
mda=$(losetup -f --show /var/tmp/md-a.img)
mdb=$(losetup -f --show /var/tmp/md-b.img)
run md-create mdadm --create /dev/md/labroot --run --quiet --level=1 --raid-devices=2 --metadata=1.2 --bitmap=none "$mda" "$mdb"
mdadm --wait /dev/md/labroot || true
mkfs.ext4 -q /dev/md/labroot && mkdir -p /mnt/mdroot && mount /dev/md/labroot /mnt/mdroot
run md-healthy-mdstat cat /proc/mdstat
run md-healthy env DUALROOT_ROOT=/mnt/mdroot dualroot-status --json
run md-fail mdadm /dev/md/labroot --fail "$mdb" --remove "$mdb"
run md-degraded-mdstat cat /proc/mdstat
run md-degraded env DUALROOT_ROOT=/mnt/mdroot dualroot-status --json
echo 500 >/proc/sys/dev/raid/speed_limit_min
echo 1000 >/proc/sys/dev/raid/speed_limit_max
run md-add mdadm /dev/md/labroot --add "$mdb"
sleep 2
run md-rebuilding-mdstat cat /proc/mdstat
run md-rebuilding env DUALROOT_ROOT=/mnt/mdroot dualroot-status --json
echo 200000 >/proc/sys/dev/raid/speed_limit_max
mdadm --wait /dev/md/labroot || true
run md-rebuilt-mdstat cat /proc/mdstat
run md-rebuilt env DUALROOT_ROOT=/mnt/mdroot dualroot-status --json
umount /mnt/mdroot
mdadm --stop /dev/md/labroot
losetup -d "$mda" "$mdb"
`;
}

/** The root check of a `dualroot-status --json` run on the md array, with its mdstat for the message. */
function assertMdRoot(t: Test, boot: Boot, state: string, level: string, message: RegExp): void {
  const checks: { check: string; level: string; message: string }[] =
    json(t, boot, `md-${state}`).checks ?? [];
  const root = checks.find((c) => c.check === 'root');
  const mdstat = run(t, boot, `md-${state}-mdstat`).stdout;
  t.equal(root?.level, level, `md RAID1 ${state}: root check is ${level} (${root?.message}) with\n${mdstat}`);
  t.match(root?.message ?? '', message, `md RAID1 ${state}: ${root?.message}`);
}

async function scenarioSystemd(t: Test, lab: LabInfo): Promise<void> {
  const machine = new LabMachine('5-systemd', lab, 'golden-systemd');
  const probe = `written to /boot under systemd ${Date.now()}`;
  // Boot 1, both disks: the daemon syncs ESP 1 at start and then a file written to /boot. Boot entries
  // for both ESPs (firmware-made ones do not survive losing disk 0, scenario 3).
  const first = await machine.boot({
    label: 'both-disks',
    disks: [0, 1],
    timeoutMs: BOOT_TIMEOUT_MS,
    stopOn: EMERGENCY,
    steps: `${reportSteps(lab)}
printf '%s\\n' '${probe}' >/boot/lab-probe.txt
i=0
while [ $i -lt 120 ] && [ "$(cat /efi1/lab-probe.txt 2>/dev/null)" != '${probe}' ]; do sleep 0.5; i=$((i + 1)); done
result probe-efi1 "$(cat /efi1/lab-probe.txt 2>/dev/null)"
result probe-wait "$i"
run fix dualroot-esp entries --fix
run status-after dualroot-status --json
${mdSteps()}run journal-watch journalctl -b --no-pager -o short-monotonic -u dualroot-watch.service
`,
  });
  assertSystemdBooted(t, first, 'boot with both disks');
  assertBootState(t, first, lab, 0, 'both disks');
  assertStatusUnit(t, first, 'both disks');
  t.equal(run(t, first, 'md-create').exit, 0, `mdadm --create: ${run(t, first, 'md-create').stderr}`);
  assertMdRoot(t, first, 'healthy', 'ok', /^root RAID1 healthy: 2 of 2 members active \[UU\]/);
  assertMdRoot(t, first, 'degraded', 'problem', /^root RAID1 is degraded: 1 of 2 members active \[U_\]/);
  assertMdRoot(t, first, 'rebuilding', 'problem', /^root RAID1 is rebuilding \(recovery [\d.]+%\): 1 of 2/);
  assertMdRoot(t, first, 'rebuilt', 'ok', /^root RAID1 healthy: 2 of 2 members active \[UU\]/);
  t.equal(first.results.get('root-mount'), 'normal', 'btrfs root mounted with both members');
  const u = units(t, first);
  t.equal(u.get('efi1.mount')?.ActiveState, 'active', '/efi1 is mounted too');
  // The probe below is synced by a daemon that cannot map writable code (node --jitless).
  t.equal(
    u.get('dualroot-watch.service')?.MemoryDenyWriteExecute,
    'yes',
    'the daemon runs with MemoryDenyWriteExecute=',
  );
  t.equal(u.get('dualroot-watch.service')?.ActiveState, 'active', 'the daemon is running');
  t.ok(
    Number(u.get('efi1.mount')?.ActiveEnterTimestampMonotonic) <=
      Number(u.get('dualroot-bind.service')?.InactiveExitTimestampMonotonic),
    'efi1.mount (not booted) was mounted before dualroot-bind.service started too',
  );
  t.equal(
    first.results.get('probe-efi1'),
    probe,
    `dualroot-watch synced a file written to /boot onto /efi1 (after ${Number(first.results.get('probe-wait')) / 2} s)`,
  );
  t.equal(run(t, first, 'fix').exit, 0, `dualroot-esp entries --fix: ${run(t, first, 'fix').stderr}`);
  t.equal(
    run(t, first, 'status-after').exit,
    0,
    `dualroot-status: healthy (ESPs in sync, entries present)${problems(t, first, 'status-after')}`,
  );
  // After systemd's shutdown (daemon stopped, ESPs unmounted), read ESP 1 on the host.
  // (espFile strips a final newline, as execa does.)
  t.equal(
    (await machine.espFile(1, '/lab-probe.txt'))?.toString().trimEnd(),
    probe,
    'the probe is on ESP 1 (mtools)',
  );
  t.notOk(await machine.espFile(1, '/stale.txt'), "the daemon's first sync deleted ESP 1's stale file");
  const kernel0 = await machine.espFile(0, '/vmlinuz-linux');
  const kernel1 = await machine.espFile(1, '/vmlinuz-linux');
  t.ok(kernel0 && kernel1 && kernel0.equals(kernel1), 'the kernel is on ESP 1 too, identical');

  // Boots 2 and 3: one disk missing each, from the same state (copies, so no btrfs split brain).
  const after: MachineState = { disks: [machine.disk(0), machine.disk(1)], vars: machine.vars };
  for (const lost of [0, 1]) {
    const kept = 1 - lost;
    await t.test(`disk ${lost} missing`, async (t) => {
      const m = machineFrom(`5-systemd-without-disk${lost}`, lab, after);
      const boot = await m.boot({
        label: `without-disk${lost}`,
        disks: [kept],
        timeoutMs: BOOT_TIMEOUT_MS,
        stopOn: EMERGENCY,
        steps: reportSteps(lab),
      });
      const what = `without disk ${lost}`;
      assertSystemdBooted(t, boot, what);
      t.equal(boot.results.get('root-mount'), 'degraded', `${what}: the btrfs root mounted degraded`);
      assertBootState(t, boot, lab, kept, what);
      assertStatusUnit(t, boot, what, true);
      t.not(
        units(t, boot).get(`efi${lost}.mount`)?.ActiveState,
        'active',
        `${what}: efi${lost}.mount is not mounted (its disk is gone)`,
      );
      const status = run(t, boot, 'status');
      t.equal(
        status.exit,
        3,
        `${what}: dualroot-status reports degraded (exit 3)${problems(t, boot, 'status')}`,
      );
      t.ok(
        json(t, boot, 'status').checks?.some(
          (c: { subject: string; level: string }) => c.subject === `/efi${lost}` && c.level !== 'ok',
        ),
        `${what}: dualroot-status names /efi${lost} as missing`,
      );
    });
  }

  // dual-root's fstab option, unit links and config on the same machine (test/vm/lib/systemd-legacy.ts).
  await t.test("dual-root's unit names, fstab option and config: they work, and their notes go", (t) =>
    scenarioLegacy(t, lab, after),
  );

  // Control: the same root with the ESP lines' nofail removed. Losing a disk must now end in emergency
  // mode, which proves both what docs/arch-install.md says nofail is for and that this test sees
  // emergency mode (stopOn) instead of passing.
  await t.test('control: without nofail, a missing disk ends in emergency mode', async (t) => {
    const m = new LabMachine('5-systemd-control-no-nofail', lab, 'golden-systemd');
    await execa('bash', [
      `${repo}/test/vm/edit-root.sh`,
      m.disk(0),
      m.disk(1),
      `grep -q ',nofail,' "$ROOT/etc/fstab"; sed -i 's/,nofail,/,/' "$ROOT/etc/fstab"`,
    ]);
    const boot = await m.boot({
      label: 'no-nofail-without-disk1',
      disks: [0],
      timeoutMs: BOOT_TIMEOUT_MS,
      stopOn: EMERGENCY,
      steps: reportSteps(lab),
    });
    t.match(boot.stoppedOn ?? '', /emergency/, `systemd fell into emergency mode (log ${boot.logFile})`);
    t.notOk(boot.results.has('booted'), 'lab-report.service never ran: multi-user.target was not reached');
    t.comment(`control boot: ${boot.seconds.toFixed(1)} s`);
  });
}
