// The UEFI lab: proves on real firmware (OVMF), real FAT ESPs, real systemd-boot and a real Debian
// kernel that a two-disk machine keeps booting when either disk dies. Each scenario boots QEMU a few
// times and asserts what the guest printed on the serial console and what is on the ESPs afterwards.
// Run: npm run test:vm (root; packages in docs/uefi-lab.md; the lab covers
// no src/ lines itself, and the coverage thresholds fail a run that generates none). DUALROOT_SKIP_VM=1 skips.
// Each scenario lives in test/vm/lib/scenario-*.ts; this file only lists them.
import t from 'tap';
import { buildLab, missingPrerequisites } from './lib/lab.js';
import { scenarioAddDisk } from './lib/scenario-add-disk.js';
import { scenarioBootEntries } from './lib/scenario-boot-entries.js';
import { scenarioBothDisks } from './lib/scenario-both-disks.js';
import { scenarioMdReplace } from './lib/scenario-md-replace.js';
import { scenarioReplaceDisk } from './lib/scenario-replace-disk.js';
import { scenarioUpgradeThenLoss } from './lib/scenario-upgrade-loss.js';

const missing = missingPrerequisites();
if (process.env.DUALROOT_SKIP_VM === '1') {
  // An explicit opt-out only: never a silent pass.
  const reason = `UEFI lab skipped because DUALROOT_SKIP_VM=1${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}`;
  console.error(`\n!!! SKIPPING THE UEFI LAB: ${reason}\n`);
  t.skip(reason, () => {});
} else if (missing.length > 0) {
  t.fail(
    `UEFI lab cannot run, missing: ${missing.join(', ')}. Install them, or set DUALROOT_SKIP_VM=1 to skip the lab explicitly.`,
  );
} else {
  const lab = await buildLab();
  t.test('1: both disks: identify, bind, sync, idempotent second sync, --test', (t) =>
    scenarioBothDisks(t, lab),
  );
  t.test('2: kernel upgrade synced, then each disk lost in turn', (t) => scenarioUpgradeThenLoss(t, lab));
  t.test('3: boot entries: firmware-made only ends in the Shell; entries --fix boots either disk', (t) =>
    scenarioBootEntries(t, lab),
  );
  t.test('4: a blank disk replaces disk 0 with dualroot-disk replace; both disks boot on their own', (t) =>
    scenarioReplaceDisk(t, lab),
  );
  // 5 is test/vm/systemd.test.ts (real systemd as init).
  t.test('6: add a disk to a one-disk machine: dualroot-disk add; each disk then boots alone', (t) =>
    scenarioAddDisk(t, lab),
  );
  // 7 and 8 are test/vm/faults*.ts (power cut, I/O error).
  t.test(
    '9: md RAID1 root: a blank disk replaces disk 0 with dualroot-disk replace; each disk boots alone',
    (t) => scenarioMdReplace(t),
  );
}
