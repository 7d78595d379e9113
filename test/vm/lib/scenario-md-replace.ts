// Lab scenario 9: the root is ext4 on an md RAID1 (metadata 1.2 over partition 2 of both disks, the
// initramfs assembling it; test/vm/build-md.sh). Disk 0 dies and a blank disk takes its slot;
// `dualroot-disk replace` adds its root partition into the array's empty slot (mdadm --add), gives it
// an ESP, fstab line and boot entry; a second run does nothing; after the rebuild each disk boots alone.
import type { Test } from 'tap';
import { run } from './guest-results.js';
import { type Boot, buildMdLab, type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEachDiskBootsAlone, assertEspsIdentical } from './lab-assert.js';
import { assertNewEsp, assertReplaceRuns, espReplacementSteps } from './replace-assert.js';

/** Guest steps: the blank disk found, the degraded array seen, the plan printed, the replace run twice, the rebuild. */
function replacementSteps(lab: LabInfo): string {
  const [oldEsp, goodEsp] = lab.espPartuuids;
  return `
good=$(disk_of ${goodEsp})
new=
for d in /dev/vda /dev/vdb; do [ "$d" = "$good" ] || new=$d; done
array=$(findmnt -n -o SOURCE /)
result new-disk "$new"
result array "$array"
result new-disk-partitions "$(ls /sys/class/block/ | grep -c "^$(basename "$new")[0-9]")"
run mdstat-degraded cat /proc/mdstat
run bind dualroot-bind
run status-degraded dualroot-status
result stale-entries "$(efibootmgr -v | grep -i "${oldEsp}" | cut -c5-8 | tr '\\n' ' ')"
run plan dualroot-disk plan replace "$new"
result partitions-after-plan "$(ls /sys/class/block/ | grep -c "^$(basename "$new")[0-9]")"
udev_standin_start
run replace dualroot-disk replace "$new"
udev_standin_stop
run replace-again dualroot-disk replace "$new"
run mdstat-rebuilding cat /proc/mdstat
mdadm --wait "$array"
run mdstat-after cat /proc/mdstat
run detail-after mdadm --detail "$array"
result new-esp-partuuid "$(blkid -p -s PART_ENTRY_UUID -o value "\${new}1")"
result efi0-source "$(mounted_source /efi0)"
result efi0-has-loader "$([ -f /efi0/EFI/systemd/systemd-bootx64.efi ] && echo yes)"
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
result stale-after "$(efibootmgr -v | grep -ic "${oldEsp}")"
run fstab cat /etc/fstab
run entries dualroot-esp entries --json
run status dualroot-status
`;
}

/** Asserts a boot's root is the ext4 on the md array, in the given state, with the mdstat in the message. */
function assertMdRoot(t: Test, boot: Boot, state: 'normal' | 'degraded', what: string): void {
  t.equal(boot.results.get('root-mount'), state, `${what}: the md root was assembled ${state}`);
  t.match(boot.results.get('root-fs') ?? '', /^\/dev\/md\d+ ext4$/, `${what}: / is ext4 on an md array`);
}

const ROOT_FS = 'result root-fs "$(findmnt -n -o SOURCE,FSTYPE / | tr -s " ")"\n';

/** Scenario 9: a blank disk replaces disk 0 of an md RAID1 root with dualroot-disk replace. */
export async function scenarioMdReplace(t: Test): Promise<void> {
  const built = Date.now();
  const lab = await buildMdLab();
  t.comment(`build-md.sh: ${((Date.now() - built) / 1000).toFixed(1)} s`);
  const machine = new LabMachine('9-md-replace', lab, 'golden-md');
  const setup = await machine.boot({
    label: 'both-disks',
    disks: [0, 1],
    steps: `${ROOT_FS}run mdstat cat /proc/mdstat
run bind dualroot-bind
run sync dualroot-sync
run fix dualroot-esp entries --fix
run status dualroot-status
`,
  });
  assertBooted(t, setup, 'first boot');
  assertMdRoot(t, setup, 'normal', 'first boot');
  t.match(
    run(t, setup, 'mdstat').stdout,
    /active raid1 .*\n.*\[2\/2\] \[UU\]/,
    'mdstat: RAID1, 2 of 2 active',
  );
  t.equal(run(t, setup, 'sync').exit, 0, `ESP 1 synced: ${run(t, setup, 'sync').stderr}`);
  t.equal(run(t, setup, 'fix').exit, 0, `every ESP has a boot entry: ${run(t, setup, 'fix').stderr}`);
  t.equal(run(t, setup, 'status').exit, 0, `dualroot-status is clean: ${run(t, setup, 'status').stdout}`);

  // Disk 0 dies and a blank disk of the same size takes its slot.
  await machine.blankDisk(0);
  const repair = await machine.boot({
    label: 'replace-disk0',
    disks: [0, 1],
    steps: ROOT_FS + replacementSteps(lab),
    timeoutMs: 420_000,
  });
  assertBooted(t, repair, 'boot from disk 1 with a blank disk 0');
  assertMdRoot(t, repair, 'degraded', 'blank disk 0');
  t.equal(repair.results.get('new-disk-partitions'), '0', 'the new disk was blank');
  t.match(run(t, repair, 'mdstat-degraded').stdout, /\[2\/1\] \[_U\]/, "mdstat: slot 0's member is missing");
  t.equal(run(t, repair, 'bind').exit, 0, `dualroot-bind exits 0: ${run(t, repair, 'bind').stderr}`);
  t.equal(
    run(t, repair, 'status-degraded').exit,
    3,
    'before the repair dualroot-status reports degraded (exit 3)',
  );
  const stale = (repair.results.get('stale-entries') ?? '').split(' ').filter(Boolean);
  t.ok(stale.length > 0, "efibootmgr -v shows the dead disk's boot entry (by its PARTUUID)");

  const disk = repair.results.get('new-disk') ?? '';
  const array = repair.results.get('array') ?? '';
  const planned = [...espReplacementSteps(lab, repair, disk), `mdadm --manage ${array} --add ${disk}2`];
  const plan = assertReplaceRuns(t, repair, planned);
  t.notMatch(plan, /btrfs|--grow/, 'the plan has no btrfs step and does not grow the array');
  t.comment(`mdstat right after the replace:\n${run(t, repair, 'mdstat-rebuilding').stdout}`);
  t.match(run(t, repair, 'mdstat-after').stdout, /\[2\/2\] \[UU\]/, 'after the rebuild mdstat shows [UU]');
  t.match(
    run(t, repair, 'detail-after').stdout,
    new RegExp(`active sync\\s+${disk}2`),
    `mdadm --detail: ${disk}2 is an active, in-sync member`,
  );

  const { newEsp, fstab } = assertNewEsp(t, lab, repair);
  t.match(fstab, new RegExp(`^UUID=${lab.rootFsUuid}\\s+/\\s+ext4`, 'm'), "fstab's root line is untouched");
  t.equal(
    run(t, repair, 'status').exit,
    0,
    `dualroot-status is clean after the rebuild: ${run(t, repair, 'status').stdout}`,
  );
  await assertEspsIdentical(t, machine, 'after the repair');

  const both = await machine.boot({
    label: 'both-disks-repaired',
    disks: [0, 1],
    steps: `${ROOT_FS}run mdstat cat /proc/mdstat\nrun bind dualroot-bind\nrun status dualroot-status\n`,
  });
  assertBooted(t, both, 'boot with the repaired pair');
  assertMdRoot(t, both, 'normal', 'the repaired pair');
  t.match(run(t, both, 'mdstat').stdout, /\[2\/2\] \[UU\]/, 'the repaired pair: mdstat [UU]');
  t.equal(run(t, both, 'status').exit, 0, `dualroot-status exits 0: ${run(t, both, 'status').stdout}`);

  await assertEachDiskBootsAlone(t, machine, [newEsp, lab.espPartuuids[1]!], {
    before: ROOT_FS,
    after: 'run mdstat cat /proc/mdstat\n',
    check: (alone, slot) => {
      assertMdRoot(t, alone, 'degraded', `disk ${slot} alone`);
      t.match(run(t, alone, 'mdstat').stdout, /\[2\/1\]/, `disk ${slot} alone: mdstat 1 of 2 members`);
    },
  });
}
