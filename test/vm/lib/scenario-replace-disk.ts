// Lab scenario 4: disk 0 dies and a blank disk takes its slot; the documented procedure makes it a
// full member again, and each disk then boots on its own.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEspsIdentical, filesTransferred } from './lab-assert.js';

/** The guest steps of docs/guide.md "Replacing a dead disk", for a blank disk in slot 0. */
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
run show-before btrfs filesystem show /
devid=$(btrfs filesystem show / | awk '/MISSING/ {print $2}')
result missing-devid "$devid"
# 1. Partition like the survivor, new GUIDs.
run partition sh -c "sfdisk -d $good | sed -e '/^label-id:/d' -e 's/, *uuid=[^,]*//' | sfdisk $new"
udev_links
# 2. Format the ESP.
run mkfs mkfs.fat -F 32 -n ESP0NEW "\${new}1"
udev_links
# 3. The dead ESP's fstab line names the new partition; mount it.
newesp=$(blkid -p -s PART_ENTRY_UUID -o value "\${new}1")
result new-esp-partuuid "$newesp"
sed -i "s/PARTUUID=${oldEsp}/PARTUUID=$newesp/" /etc/fstab
run mount-efi0 mount /efi0
result efi0-source "$(mounted_source /efi0)"
# 4. The boot loader, without touching the EFI variables.
run bootctl bootctl install --esp-path=/efi0 --no-variables
result efi0-has-loader "$([ -f /efi0/EFI/systemd/systemd-bootx64.efi ] && echo yes)"
# 5. Copy the booted ESP onto it.
run sync dualroot-sync --json
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
# 6. A boot entry for it; the dead disk's entry (its PARTUUID is on no disk now) removed.
stale=$(efibootmgr -v | grep -i "${oldEsp}" | cut -c5-8 | tr '\n' ' ')
result stale-entries "$stale"
run list-stale dualroot-esp entries
run fix-test dualroot-esp entries --fix --prune --test
run fix dualroot-esp entries --fix --prune
result stale-after "$(efibootmgr -v | grep -ic "${oldEsp}")"
run entries dualroot-esp entries --json
# 7. The new root partition replaces the missing RAID1 member; degraded-time chunks become RAID1.
run replace btrfs replace start -B "$devid" "\${new}2" /
run df-replaced btrfs filesystem df /
run status-replaced dualroot-status
run balance btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /
run show-after btrfs filesystem show /
run df-after btrfs filesystem df /
# 8. Check.
run status dualroot-status
`;
}

/** Scenario 4: a blank disk replaces disk 0 by the documented procedure; both disks boot on their own. */
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
  t.match(repair.results.get('missing-devid') ?? '', /^\d+$/, 'btrfs names the missing device id');
  for (const step of ['partition', 'mkfs', 'mount-efi0', 'bootctl', 'sync', 'fix', 'replace', 'balance']) {
    const r = run(t, repair, step);
    t.equal(r.exit, 0, `procedure step "${step}" exits 0${r.exit === 0 ? '' : `: ${r.stdout}${r.stderr}`}`);
  }
  const newEsp = repair.results.get('new-esp-partuuid') ?? '';
  t.match(newEsp, /^[0-9a-f-]{36}$/, 'the new ESP has a PARTUUID');
  t.not(newEsp, lab.espPartuuids[0], "the new ESP's PARTUUID is new, not the dead one's");
  t.ok(repair.results.get('efi0-source'), '/efi0 is mounted from the new disk');
  t.equal(repair.results.get('efi0-has-loader'), 'yes', 'bootctl installed systemd-boot on the new ESP');
  t.ok(filesTransferred(json(t, repair, 'sync')) > 0, 'dualroot-sync copied the booted ESP onto the new one');
  t.equal(
    repair.results.get('efi0-sum'),
    repair.results.get('efi1-sum'),
    'in the guest, the new ESP hashes like ESP 1',
  );
  const stale = (repair.results.get('stale-entries') ?? '').split(' ').filter(Boolean);
  t.ok(stale.length > 0, "efibootmgr -v shows the dead disk's boot entry (by its PARTUUID)");
  for (const n of stale) {
    t.match(run(t, repair, 'list-stale').stderr, `Boot${n} ("`, `dualroot-esp entries marks Boot${n} stale`);
    t.match(run(t, repair, 'list-stale').stderr, `remove it: efibootmgr --delete-bootnum --bootnum ${n}`);
    t.match(
      run(t, repair, 'fix-test').stdout,
      `would run: efibootmgr --delete-bootnum --bootnum ${n}`,
      `--fix --prune --test prints the delete of Boot${n}`,
    );
    t.match(run(t, repair, 'fix').stdout, `deleted: efibootmgr --delete-bootnum --bootnum ${n}`);
  }
  t.equal(
    repair.results.get('stale-after'),
    '0',
    'after --fix --prune efibootmgr -v shows no entry of the dead disk',
  );
  const entries = json(t, repair, 'entries');
  t.equal(run(t, repair, 'entries').exit, 0, `every ESP has its entry: ${run(t, repair, 'entries').stdout}`);
  t.ok(
    (entries.esps ?? []).some(
      (e: { partuuid: string; entries: unknown[] }) => e.partuuid === newEsp && e.entries.length > 0,
    ),
    'the new ESP has a boot entry',
  );
  t.notOk(
    (entries.entries ?? []).some((e: { partuuid: string | null }) => e.partuuid === lab.espPartuuids[0]),
    "no boot entry names the dead disk's ESP any more",
  );
  t.notOk(
    (entries.entries ?? []).some((e: { stale: boolean }) => e.stale),
    'dualroot-esp entries lists no stale entry',
  );
  t.notMatch(run(t, repair, 'show-after').stdout, /MISSING/, 'btrfs has no missing device after the replace');
  // While degraded, btrfs wrote new chunks as single; the replace copies them but keeps them single.
  t.match(
    run(t, repair, 'df-replaced').stdout,
    /^(Data|Metadata|System), single:/m,
    'after the replace, chunks written degraded are single',
  );
  t.equal(run(t, repair, 'status-replaced').exit, 3, 'dualroot-status flags them (exit 3)');
  t.match(
    run(t, repair, 'status-replaced').stdout,
    /chunks on one disk only \((Data|Metadata|System): single/,
    '...naming the single chunks',
  );
  t.match(
    run(t, repair, 'status-replaced').stdout,
    /btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft/,
    '...and the balance that fixes them',
  );
  // GlobalReserve is always "single": it is reserved space, not chunks.
  t.notMatch(
    run(t, repair, 'df-after').stdout,
    /^(Data|Metadata|System), (?!RAID1:)/m,
    'every chunk is RAID1 again after the balance',
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
