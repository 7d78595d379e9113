// The UEFI lab's power-cut scenario (docs/uefi-lab.md, scenario 7): QEMU is killed at many points
// while the pacman hook copies a kernel upgrade to ESP 1, and disk 1 alone must then boot a
// matching kernel and initramfs. Scenario 8 (I/O errors) is still in faults-unproven.ts.
import t from 'tap';
import { buildLab, missingPrerequisites } from './lib/lab.js';
import { scenarioPowerCut } from './lib/scenario-power-cut.js';

const missing = missingPrerequisites();
if (process.env.DUALROOT_SKIP_VM === '1') {
  const reason = `UEFI lab fault scenarios skipped because DUALROOT_SKIP_VM=1`;
  console.error(`\n!!! SKIPPING THE UEFI LAB: ${reason}\n`);
  t.skip(reason, () => {});
} else if (missing.length > 0) {
  t.fail(`UEFI lab cannot run, missing: ${missing.join(', ')}. Install them, or set DUALROOT_SKIP_VM=1.`);
} else {
  const lab = await buildLab();
  t.test(
    '7: power cut while the hook copies a kernel upgrade to ESP 1; disk 1 alone boots a matching pair',
    (t) => scenarioPowerCut(t, lab).then(() => undefined),
  );
}
