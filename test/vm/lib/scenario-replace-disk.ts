// Lab scenario 4: disk 0 dies and a blank disk takes its slot; `dualroot-disk replace` (docs/guide.md
// "Replacing a dead disk") makes it a full member again, a second run does nothing, and each disk then
// boots on its own.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEspsIdentical } from './lab-assert.js';

/** Guest steps: the blank disk found, the degraded state seen, the plan printed, the replace run twice. */
function replacementSteps(lab: LabInfo): string {
  const [oldEsp, goodEsp] = lab.espPartuuids;
  return `
good=$(disk_of ${goodEsp})
new=
for d in /dev/vda /dev/vdb; do [ "$d" = "$good" ] || new=$d; done
result new-disk "$new"
result new-disk-partitions "$(ls /sys/class/block/ | grep -c "^$(basename "$new")[0-9]")"
run bind dualroot-bind
run sync-degraded dualroot-sync
run status-degraded dualroot-status
result missing-devid "$(btrfs filesystem show / | awk '/MISSING/ {print $2}')"
result stale-entries "$(efibootmgr -v | grep -i "${oldEsp}" | cut -c5-8 | tr '\\n' ' ')"
run plan dualroot-disk plan replace "$new"
result partitions-after-plan "$(ls /sys/class/block/ | grep -c "^$(basename "$new")[0-9]")"
udev_standin_start
run replace dualroot-disk replace "$new"
udev_standin_stop
run replace-again dualroot-disk replace "$new"
result new-esp-partuuid "$(blkid -p -s PART_ENTRY_UUID -o value "\${new}1")"
result efi0-source "$(mounted_source /efi0)"
result efi0-has-loader "$([ -f /efi0/EFI/systemd/systemd-bootx64.efi ] && echo yes)"
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
result stale-after "$(efibootmgr -v | grep -ic "${oldEsp}")"
run fstab cat /etc/fstab
run entries dualroot-esp entries --json
run show-after btrfs filesystem show /
run df-after btrfs filesystem df /
run status dualroot-status
`;
}

/** Scenario 4: a blank disk replaces disk 0 with dualroot-disk replace; both disks boot on their own. */
export async function scenarioReplaceDisk(t: Test, lab: LabInfo): Promise<void> {
  const machine = new LabMachine('4-replace-disk', lab);
  const setup = await machine.boot({
    label: 'both-disks',
    disks: [0, 1],
    steps: `
run bind dualroot-bind
run sync dualroot-sync
run fix dualroot-esp entries --fix
`,
  });
  assertBooted(t, setup, 'first boot');
  t.equal(run(t, setup, 'sync').exit, 0, 'ESP 1 synced');
  t.equal(run(t, setup, 'fix').exit, 0, `every ESP has a boot entry: ${run(t, setup, 'fix').stderr}`);

  // Disk 0 dies and a blank disk of the same size takes its slot.
  await machine.blankDisk(0);
  const repair = await machine.boot({
    label: 'replace-disk0',
    disks: [0, 1],
    steps: replacementSteps(lab),
    timeoutMs: 300_000,
  });
  assertBooted(t, repair, 'boot from disk 1 with a blank disk 0');
  t.equal(repair.results.get('root-mount'), 'degraded', 'the root mounted degraded (disk 0 is blank)');
  t.equal(repair.results.get('new-disk-partitions'), '0', 'the new disk was blank');
  t.equal(run(t, repair, 'bind').exit, 0, `dualroot-bind exits 0: ${run(t, repair, 'bind').stderr}`);
  t.equal(
    run(t, repair, 'sync-degraded').exit,
    3,
    'before the repair dualroot-sync reports degraded (exit 3)',
  );
  t.equal(
    run(t, repair, 'status-degraded').exit,
    3,
    'before the repair dualroot-status reports degraded (exit 3)',
  );
  const devid = repair.results.get('missing-devid') ?? '';
  t.match(devid, /^\d+$/, 'btrfs names the missing device id');
  const stale = (repair.results.get('stale-entries') ?? '').split(' ').filter(Boolean);
  t.ok(stale.length > 0, "efibootmgr -v shows the dead disk's boot entry (by its PARTUUID)");

  const disk = repair.results.get('new-disk') ?? '';
  const plan = run(t, repair, 'plan');
  t.equal(plan.exit, 0, `dualroot-disk plan replace exits 0: ${plan.stderr}`);
  const planned = [
    `sfdisk ${disk} <<'EOF'`,
    `mkfs.fat -F 32 ${disk}1`,
    ...stale.map((n) => `efibootmgr -b ${n} -B`),
    `PARTUUID=${lab.espPartuuids[0]} → PARTUUID=`,
    'bootctl install --esp-path=/efi0 --no-variables',
    'dualroot-sync',
    'dualroot-esp entries --fix',
    `btrfs replace start -B ${devid} ${disk}2 /`,
    'btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /',
  ];
  for (const command of planned) t.ok(plan.stdout.includes(command), `the plan names: ${command}`);
  t.equal(
    repair.results.get('partitions-after-plan'),
    '0',
    'the plan changed nothing: the disk is still blank',
  );

  const ran = run(t, repair, 'replace');
  t.equal(
    ran.exit,
    0,
    `dualroot-disk replace exits 0${ran.exit === 0 ? '' : `: ${ran.stdout}${ran.stderr}`}`,
  );
  const firstStep = ran.stdout.indexOf('==> step 1/');
  t.ok(firstStep > 0, 'replace ran its steps');
  t.ok(
    planned.every((c) => ran.stdout.slice(0, firstStep).includes(c)),
    'replace printed its whole plan before the first step',
  );
  const again = run(t, repair, 'replace-again');
  t.equal(again.exit, 0, `a second dualroot-disk replace exits 0: ${again.stdout}${again.stderr}`);
  t.match(again.stdout, /nothing to do, every step is done/, 'the second replace finds every step done');
  t.notMatch(again.stdout, /==> step/, 'the second replace runs no step');

  const newEsp = repair.results.get('new-esp-partuuid') ?? '';
  t.match(newEsp, /^[0-9a-f-]{36}$/, 'the new ESP has a PARTUUID');
  t.not(newEsp, lab.espPartuuids[0], "the new ESP's PARTUUID is new, not the dead one's");
  const fstab = run(t, repair, 'fstab').stdout;
  t.match(fstab, new RegExp(`^PARTUUID=${newEsp}\\s+/efi0\\s`, 'm'), "fstab's /efi0 line names the new ESP");
  t.notMatch(fstab, new RegExp(lab.espPartuuids[0], 'i'), "fstab no longer names the dead disk's ESP");
  t.ok(repair.results.get('efi0-source'), '/efi0 is mounted from the new disk');
  t.equal(repair.results.get('efi0-has-loader'), 'yes', 'bootctl installed systemd-boot on the new ESP');
  t.equal(
    repair.results.get('efi0-sum'),
    repair.results.get('efi1-sum'),
    'in the guest, the new ESP hashes like ESP 1',
  );
  t.equal(repair.results.get('stale-after'), '0', 'efibootmgr -v shows no entry of the dead disk any more');
  const entries = json(t, repair, 'entries');
  t.equal(run(t, repair, 'entries').exit, 0, `every ESP has its entry: ${run(t, repair, 'entries').stdout}`);
  t.ok(
    (entries.esps ?? []).some(
      (e: { partuuid: string; entries: unknown[] }) => e.partuuid === newEsp && e.entries.length > 0,
    ),
    'the new ESP has a boot entry',
  );
  t.notOk(
    (entries.entries ?? []).some((e: { stale: boolean }) => e.stale),
    'dualroot-esp entries lists no stale entry',
  );
  t.notMatch(run(t, repair, 'show-after').stdout, /MISSING/, 'btrfs has no missing device after the replace');
  // GlobalReserve is always "single": it is reserved space, not chunks. The soft balance converted
  // what btrfs wrote as single while degraded.
  t.notMatch(
    run(t, repair, 'df-after').stdout,
    /^(Data|Metadata|System), (?!RAID1:)/m,
    `every chunk is RAID1 again: ${run(t, repair, 'df-after').stdout}`,
  );
  t.equal(
    run(t, repair, 'status').exit,
    0,
    `dualroot-status is clean after the repair: ${run(t, repair, 'status').stdout}`,
  );
  await assertEspsIdentical(t, machine, 'after the repair');

  const both = await machine.boot({
    label: 'both-disks-repaired',
    disks: [0, 1],
    steps: `
run esp dualroot-esp --json
run bind dualroot-bind
run sync dualroot-sync --json
run status dualroot-status
`,
  });
  assertBooted(t, both, 'boot with the repaired pair');
  t.equal(both.results.get('root-mount'), 'normal', 'the root mounts with both members, not degraded');
  t.ok(
    [newEsp, lab.espPartuuids[1]].includes(json(t, both, 'esp').booted?.partuuid),
    'an ESP of the repaired pair booted',
  );
  t.equal(run(t, both, 'sync').exit, 0, 'dualroot-sync exits 0');
  t.equal(run(t, both, 'status').exit, 0, `dualroot-status exits 0: ${run(t, both, 'status').stdout}`);

  for (const [slot, partuuid] of [
    [0, newEsp],
    [1, lab.espPartuuids[1]],
  ] as const) {
    const alone = await machine.boot({
      label: `only-disk${slot}`,
      disks: [slot],
      steps: 'run esp dualroot-esp --json\nrun bind dualroot-bind\n',
    });
    assertBooted(t, alone, `boot with only disk ${slot}`);
    t.equal(alone.results.get('root-mount'), 'degraded', `disk ${slot} alone mounts the root degraded`);
    t.equal(json(t, alone, 'esp').booted?.partuuid, partuuid, `disk ${slot}'s own ESP booted`);
    t.equal(run(t, alone, 'bind').exit, 0, `dualroot-bind exits 0 on disk ${slot} alone`);
  }
}
