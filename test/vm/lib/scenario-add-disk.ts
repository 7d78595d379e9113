// Lab scenario 6: a one-disk install (one ESP, a single-device btrfs root) gets a blank second disk;
// `dualroot-disk add` prints its plan, then makes the disk a full member, and each disk then boots alone.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEachDiskBootsAlone, assertEspsIdentical } from './lab-assert.js';

/** The commands the plan must name for a blank /dev/vdX next to the booted disk (the issue's approach 1). */
function plannedCommands(disk: string): string[] {
  return [
    `sfdisk ${disk} <<'EOF'`,
    `mkfs.fat -F 32 ${disk}1`,
    `mount -t vfat`,
    `bootctl install --esp-path=/efi1 --no-variables`,
    'dualroot-sync',
    'dualroot-esp entries --fix',
    `btrfs device add ${disk}2 /`,
    'btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /',
  ];
}

/** Guest steps: the blank disk found, the plan printed (nothing changed), then the add, run twice. */
function addSteps(lab: LabInfo): string {
  return `
good=$(disk_of ${lab.espPartuuids[0]})
new=
for d in /dev/vda /dev/vdb; do [ "$d" = "$good" ] || new=$d; done
result new-disk "$new"
run bind dualroot-bind
run show-before btrfs filesystem show /
run plan dualroot-disk plan add "$new"
result partitions-after-plan "$(ls /sys/class/block/ | grep -c "^$(basename "$new")[0-9]")"
udev_standin_start
run add dualroot-disk add "$new"
udev_standin_stop
run add-again dualroot-disk add "$new"
run show-after btrfs filesystem show /
run df-after btrfs filesystem df /
run fstab cat /etc/fstab
result efi1-source "$(mounted_source /efi1)"
result efi1-has-loader "$([ -f /efi1/EFI/systemd/systemd-bootx64.efi ] && echo yes)"
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
result new-esp-partuuid "$(blkid -p -s PART_ENTRY_UUID -o value "\${new}1")"
run entries dualroot-esp entries --json
run status dualroot-status
`;
}

/** Scenario 6: add a disk to a one-disk machine; both disks, and each alone, boot. */
export async function scenarioAddDisk(t: Test, lab: LabInfo): Promise<void> {
  const machine = new LabMachine('6-add-disk', lab, 'golden-onedisk');
  const add = await machine.boot({
    label: 'add-disk1',
    disks: [0, 1],
    steps: addSteps(lab),
    timeoutMs: 300_000,
  });
  assertBooted(t, add, 'boot of the one-disk install with a blank disk 1');
  t.equal(add.results.get('root-mount'), 'normal', 'the single-device root mounted (nothing missing)');
  const disk = add.results.get('new-disk') ?? '';
  t.match(disk, /^\/dev\/vd[ab]$/, `the blank disk is ${disk}`);
  t.equal(run(t, add, 'bind').exit, 0, `dualroot-bind exits 0: ${run(t, add, 'bind').stderr}`);
  t.match(run(t, add, 'show-before').stdout, /Total devices 1 /, 'before: the root btrfs has one device');

  const plan = run(t, add, 'plan');
  t.equal(plan.exit, 0, `dualroot-disk plan add exits 0: ${plan.stderr}`);
  for (const command of plannedCommands(disk))
    t.ok(plan.stdout.includes(command), `the plan names the command: ${command}`);
  t.equal(add.results.get('partitions-after-plan'), '0', 'the plan changed nothing: the disk is still blank');

  const ran = run(t, add, 'add');
  t.equal(ran.exit, 0, `dualroot-disk add exits 0${ran.exit === 0 ? '' : `: ${ran.stdout}${ran.stderr}`}`);
  const firstStep = ran.stdout.indexOf('==> step 1/');
  t.ok(firstStep > 0, 'add ran its steps');
  t.ok(
    plannedCommands(disk).every((c) => ran.stdout.slice(0, firstStep).includes(c)),
    'add printed its whole plan before the first step',
  );
  t.match(ran.stdout, /every step done/, 'add reports every step done');
  const again = run(t, add, 'add-again');
  t.equal(again.exit, 0, `a second dualroot-disk add exits 0: ${again.stdout}${again.stderr}`);
  t.match(again.stdout, /nothing to do, every step is done/, 'the second add finds every step done');
  t.notMatch(again.stdout, /==> step/, 'the second add runs no step');

  t.match(run(t, add, 'show-after').stdout, /Total devices 2 /, 'after: the root btrfs has two devices');
  t.notMatch(run(t, add, 'show-after').stdout, /MISSING/, 'no device is missing');
  // GlobalReserve is always "single": it is reserved space, not chunks.
  t.notMatch(
    run(t, add, 'df-after').stdout,
    /^(Data|Metadata|System), (?!RAID1:)/m,
    `every chunk is RAID1 after the balance: ${run(t, add, 'df-after').stdout}`,
  );
  const newEsp = add.results.get('new-esp-partuuid') ?? '';
  t.match(newEsp, /^[0-9a-f-]{36}$/, 'the new ESP has a PARTUUID');
  t.not(newEsp, lab.espPartuuids[0], "the new ESP's PARTUUID is not disk 0's");
  t.match(
    run(t, add, 'fstab').stdout,
    new RegExp(`^PARTUUID=${newEsp}\\s+/efi1\\s+vfat\\s+\\S*nofail\\S*x-systemd\\.device-timeout=`, 'm'),
    'fstab mounts the new ESP at /efi1 by PARTUUID, nofail, with a device timeout',
  );
  t.ok(add.results.get('efi1-source'), '/efi1 is mounted');
  t.equal(add.results.get('efi1-has-loader'), 'yes', 'bootctl installed systemd-boot on the new ESP');
  t.equal(add.results.get('efi1-sum'), add.results.get('efi0-sum'), 'in the guest, ESP 1 hashes like ESP 0');
  const entries = json(t, add, 'entries');
  t.ok(
    (entries.esps ?? []).some(
      (e: { partuuid: string; entries: unknown[] }) => e.partuuid === newEsp && e.entries.length > 0,
    ),
    'the new ESP has a firmware boot entry',
  );
  t.equal(run(t, add, 'status').exit, 0, `dualroot-status is clean: ${run(t, add, 'status').stdout}`);
  await assertEspsIdentical(t, machine, 'after the add');

  const both = await machine.boot({
    label: 'both-disks',
    disks: [0, 1],
    steps: 'run bind dualroot-bind\nrun status dualroot-status\n',
  });
  assertBooted(t, both, 'boot with both disks');
  t.equal(both.results.get('root-mount'), 'normal', 'the root mounts with both members, not degraded');
  t.equal(run(t, both, 'status').exit, 0, `dualroot-status exits 0: ${run(t, both, 'status').stdout}`);
  await assertEachDiskBootsAlone(t, machine, [lab.espPartuuids[0]!, newEsp]);
  await assertEspsIdentical(t, machine, 'after booting each disk alone');
}
