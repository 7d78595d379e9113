// What every `dualroot-disk replace` scenario asserts, whatever the root is (btrfs RAID1, md RAID1):
// the plan names the ESP and boot-entry steps and changes nothing; replace prints that plan before its
// first step; a second replace finds every step done.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import type { Boot, LabInfo } from './lab.js';

/** The plan lines every replacement has: partitioning, the ESP, the dead disk's boot entries, the sync. */
export function espReplacementSteps(lab: LabInfo, repair: Boot, disk: string): string[] {
  const stale = (repair.results.get('stale-entries') ?? '').split(' ').filter(Boolean);
  return [
    `sfdisk ${disk} <<'EOF'`,
    `mkfs.fat -F 32 ${disk}1`,
    ...stale.map((n) => `efibootmgr -b ${n} -B`),
    `PARTUUID=${lab.espPartuuids[0]} → PARTUUID=`,
    'bootctl install --esp-path=/efi0 --no-variables',
    'dualroot-sync',
    'dualroot-esp entries --fix',
  ];
}

/** Asserts the guest's plan / replace / replace-again runs (`planned` printed first, run once, then nothing to do); returns the plan's text. */
export function assertReplaceRuns(t: Test, repair: Boot, planned: string[]): string {
  const plan = run(t, repair, 'plan');
  t.equal(plan.exit, 0, `dualroot-disk plan replace exits 0: ${plan.stdout}${plan.stderr}`);
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
  return plan.stdout;
}

/** Asserts the new disk's ESP after a replace: a new PARTUUID in fstab, systemd-boot, ESP 1's files, its boot entry; returns its PARTUUID and the fstab text. */
export function assertNewEsp(t: Test, lab: LabInfo, repair: Boot): { newEsp: string; fstab: string } {
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
  t.ok(
    (entries.esps ?? []).some(
      (e: { partuuid: string; entries: unknown[] }) => e.partuuid === newEsp && e.entries.length > 0,
    ),
    'the new ESP has a boot entry',
  );
  return { newEsp, fstab };
}
