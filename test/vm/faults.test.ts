// The UEFI lab's fault scenarios (docs/uefi-lab.md): 7, QEMU is killed at many points while the
// pacman hook copies a kernel upgrade to ESP 1, and disk 1 alone must then boot a matching kernel and
// initramfs; 8, ESP 1's disk starts failing writes mid-copy (dm-flakey), and in the same boot a
// full ESP 1 refuses a kernel set that does not fit. The booted ESP is the source and is never written.
import t from 'tap';
import { buildLab, missingPrerequisites } from './lib/lab.js';
import { scenarioIoError } from './lib/scenario-io-error.js';
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
  t.test(
    '8: I/O errors mid-copy on ESP 1 (dm-flakey): sync and daemon fail loudly, retry, recover; a full ESP 1 refuses before writing',
    (t) => scenarioIoError(t, lab),
  );
}
