// The UEFI lab's fault scenarios (docs/uefi-lab.md): what dualroot does on real FAT when the
// destination ESP's disk starts failing writes mid-copy. The booted ESP is the source and must never
// be written. NOT part of npm test yet (not named *.test.ts): scenario 7's first run gave a result that is
// not explained (see docs/uefi-lab.md) and scenario 8 has never run. Run it by hand, as root:
//   npx tap --disable-coverage --timeout=2400 --grep=7: test/vm/faults-unproven.ts
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
  t.test('8: I/O errors mid-copy on ESP 1 (dm-flakey): sync and daemon fail loudly, retry, recover', (t) =>
    scenarioIoError(t, lab),
  );
}
