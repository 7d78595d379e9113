// The UEFI lab's I/O-error scenario (docs/uefi-lab.md, scenario 8): what dualroot does on real FAT
// when the destination ESP's disk starts failing writes mid-copy. The booted ESP is the source and
// must never be written. NOT part of npm test yet (not named *.test.ts): it has not passed yet
// (scenario 7 passed and moved to faults.test.ts). Run it by hand, as root:
//   npx tap --disable-coverage --timeout=2400 test/vm/faults-unproven.ts
import t from 'tap';
import { buildLab, missingPrerequisites } from './lib/lab.js';
import { scenarioIoError } from './lib/scenario-io-error.js';

const missing = missingPrerequisites();
if (process.env.DUALROOT_SKIP_VM === '1') {
  const reason = `UEFI lab fault scenarios skipped because DUALROOT_SKIP_VM=1`;
  console.error(`\n!!! SKIPPING THE UEFI LAB: ${reason}\n`);
  t.skip(reason, () => {});
} else if (missing.length > 0) {
  t.fail(`UEFI lab cannot run, missing: ${missing.join(', ')}. Install them, or set DUALROOT_SKIP_VM=1.`);
} else {
  const lab = await buildLab();
  t.test('8: I/O errors mid-copy on ESP 1 (dm-flakey): sync and daemon fail loudly, retry, recover', (t) =>
    scenarioIoError(t, lab),
  );
}
