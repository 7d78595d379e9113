// Lab scenario 4: disk 0 dies and a blank disk takes its slot; `dualroot-disk replace` (docs/guide.md
// "Replacing a dead disk") makes it a full member again, a second run does nothing, and each disk then
// boots on its own.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEachDiskBootsAlone, assertEspsIdentical } from './lab-assert.js';
import { assertNewEsp, assertReplaceRuns, espReplacementSteps } from './replace-assert.js';

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
  const planned = [
    ...espReplacementSteps(lab, repair, disk),
    `btrfs replace start -B ${devid} ${disk}2 /`,
    'btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /',
  ];
  assertReplaceRuns(t, repair, planned);

  const { newEsp } = assertNewEsp(t, lab, repair);
  const entries = json(t, repair, 'entries');
  t.equal(run(t, repair, 'entries').exit, 0, `every ESP has its entry: ${run(t, repair, 'entries').stdout}`);
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

  await assertEachDiskBootsAlone(t, machine, [newEsp, lab.espPartuuids[1]!]);
}
