// Lab scenario 3: firmware boot entries. With only the firmware's own entries, losing disk 0 ends in
// the UEFI Shell; after `dualroot-esp entries --fix` either disk alone boots Linux; with disk 0 gone
// for good, `entries --fix --prune` removes its entry and only it.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted } from './lab-assert.js';

/** Scenario 3: firmware-made entries only end in the Shell; entries --fix boots either disk. */
export async function scenarioBootEntries(t: Test, lab: LabInfo): Promise<void> {
  await t.test('only firmware-made entries: losing disk 0 ends in the UEFI Shell', async (t) => {
    const machine = new LabMachine('3-firmware-entries', lab);
    const first = await machine.boot({
      label: 'both-disks',
      disks: [0, 1],
      steps: `
run bind dualroot-bind
run sync dualroot-sync
run entries dualroot-esp entries
`,
    });
    assertBooted(t, first, 'first boot');
    t.equal(run(t, first, 'sync').exit, 0, 'ESP 1 synced, so disk 1 alone could boot Linux');
    t.not(
      run(t, first, 'entries').exit,
      0,
      `dualroot-esp entries flags the missing entries: ${run(t, first, 'entries').stdout}`,
    );
    const lost = await machine.boot({ label: 'without-disk0', disks: [1], steps: '', timeoutMs: 120_000 });
    t.ok(lost.shell, `the firmware fell into the UEFI Shell instead of booting disk 1 (log ${lost.logFile})`);
    t.notOk(lost.results.has('initramfs-generation'), 'Linux did not start');
  });
  await t.test('after dualroot-esp entries --fix: either disk alone boots Linux', async (t) => {
    const machine = new LabMachine('3-entries-fixed', lab);
    const first = await machine.boot({
      label: 'fix',
      disks: [0, 1],
      steps: `
run bind dualroot-bind
run sync dualroot-sync
run fix-test dualroot-esp entries --fix --test
run fix dualroot-esp entries --fix
run entries dualroot-esp entries
run entries-json dualroot-esp entries --json
run efibootmgr efibootmgr -v
`,
    });
    assertBooted(t, first, 'boot that fixes the entries');
    t.equal(
      run(t, first, 'fix').exit,
      0,
      `entries --fix exits 0: ${run(t, first, 'fix').stdout}${run(t, first, 'fix').stderr}`,
    );
    assertFixDidWhatTestPrinted(
      t,
      run(t, first, 'fix-test').stdout,
      run(t, first, 'fix').stdout,
      json(t, first, 'entries-json'),
    );
    t.equal(
      run(t, first, 'entries').exit,
      0,
      `entries reports every ESP has its entry: ${run(t, first, 'entries').stdout}`,
    );
    for (const lost of [0, 1]) {
      const kept = 1 - lost;
      const boot = await machine.boot({
        label: `without-disk${lost}`,
        disks: [kept],
        steps: 'run esp dualroot-esp --json\n',
      });
      assertBooted(t, boot, `boot without disk ${lost}`);
      t.equal(json(t, boot, 'esp').booted?.partuuid, lab.espPartuuids[kept], `booted disk ${kept}'s ESP`);
    }
    await assertPruneDeadDisk(t, machine, lab);
  });
}

interface EntriesJson {
  entries?: { bootnum: string; partuuid: string | null; stale: boolean }[];
}

/** Disk 0 dead for good: its entry is stale, `entries --fix --prune` removes it and only it; disk 1 still boots. */
async function assertPruneDeadDisk(t: Test, machine: LabMachine, lab: LabInfo): Promise<void> {
  const [dead, kept] = lab.espPartuuids;
  const boot = await machine.boot({
    label: 'prune-dead-disk0',
    disks: [1],
    steps: `
run before dualroot-esp entries --json
run prune-test dualroot-esp entries --fix --prune --test
run prune dualroot-esp entries --fix --prune
run after dualroot-esp entries --json
run efibootmgr efibootmgr -v
`,
  });
  assertBooted(t, boot, 'boot that prunes the dead disk');
  const before = (json(t, boot, 'before') as EntriesJson).entries ?? [];
  const stale = before.filter((e) => e.stale);
  t.same(
    stale.map((e) => e.partuuid),
    [dead],
    `entries marks only disk 0's entry stale: ${JSON.stringify(before)}`,
  );
  const deletes = run(t, boot, 'prune-test')
    .stdout.split('\n')
    .filter((l) => l.startsWith('would run: ') && l.includes('--delete-bootnum'));
  t.same(
    deletes,
    stale.map((e) => `would run: efibootmgr --delete-bootnum --bootnum ${e.bootnum}`),
    '--fix --prune --test plans one delete, of the stale entry',
  );
  const prune = run(t, boot, 'prune');
  t.equal(prune.exit, 0, `entries --fix --prune exits 0: ${prune.stdout}${prune.stderr}`);
  const after = (json(t, boot, 'after') as EntriesJson).entries ?? [];
  t.same(
    after.filter((e) => e.stale),
    [],
    'no stale entry left',
  );
  t.ok(
    after.some((e) => e.partuuid === kept),
    'disk 1 keeps its entry',
  );
  t.notMatch(
    run(t, boot, 'efibootmgr').stdout.toLowerCase(),
    dead!.toLowerCase(),
    'the firmware has no entry of disk 0 any more',
  );
  const again = await machine.boot({
    label: 'after-prune',
    disks: [1],
    steps: 'run esp dualroot-esp --json\n',
  });
  assertBooted(t, again, 'boot after the prune');
  t.equal(json(t, again, 'esp').booted?.partuuid, kept, "disk 1 boots from its own entry's ESP");
}

/**
 * The efibootmgr calls `entries --fix` made (its "created:" and "BootOrder set:" lines) are the ones
 * `--fix --test` printed ("would run:"), with each `<new:DEVICE>` placeholder replaced by the number
 * the firmware gave that ESP's new entry (read back from `entries --json`).
 */
function assertFixDidWhatTestPrinted(
  t: Test,
  testOut: string,
  fixOut: string,
  after: { esps?: { device: string; entries: { bootnum: string }[] }[] },
): void {
  const lines = (text: string, prefix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .map((l) => l.slice(prefix.length));
  const planned = lines(testOut, 'would run: ');
  const creates = planned.filter((c) => c.includes('--create-only'));
  const order = planned.find((c) => c.startsWith('efibootmgr --bootorder '));
  t.equal(creates.length, 2, `--fix --test planned one entry per ESP: ${testOut}`);
  t.same(lines(fixOut, 'created: '), creates, '--fix created exactly the entries --fix --test printed');
  let expected = (order ?? '').replace(/^efibootmgr --bootorder '?([^']*)'?$/, '$1');
  for (const esp of after.esps ?? [])
    expected = expected.replace(`<new:${esp.device}>`, esp.entries[0]?.bootnum ?? '?');
  t.match(expected, /^[0-9A-F]{4}(,[0-9A-F]{4})*$/, `every placeholder was filled: ${expected}`);
  t.same(lines(fixOut, 'BootOrder set: '), [expected], '--fix set the BootOrder --fix --test printed');
}
