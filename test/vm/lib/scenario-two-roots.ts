// Lab scenario 10: approach 2 (two roots, no RAID) under real systemd. A one-disk machine (ESP + ext4
// root, test/vm/build-two-roots.sh) gets a second disk with its own root from `dualroot-disk add`
// (partitions, ESP, mkfs, the root copied, fstab, [sync:NAME] items, sync, boot entry); a kernel upgrade written to
// /boot is synced; then each disk boots alone, mounts its own root and reports only the other disk gone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type Boot, cacheDir, type LabInfo, LabMachine, repo } from './lab.js';
import { assertSystemdBooted, BOOT_TIMEOUT_MS, EMERGENCY } from './systemd-checks.js';

/** Builds scenario 10's disks (test/vm/build-two-roots.sh, after build-systemd.sh); its lab.json. */
export async function buildTwoRootsLab(): Promise<LabInfo & { seconds: number }> {
  const started = Date.now();
  await execa('bash', [join(repo, 'test/vm/build-two-roots.sh')], { cwd: repo, all: true }).catch((error) => {
    throw new Error(`test/vm/build-two-roots.sh failed:\n${error.all ?? error.message}`);
  });
  const info = JSON.parse(readFileSync(join(cacheDir, 'golden-two-roots/lab.json'), 'utf8')) as LabInfo;
  return { ...info, seconds: (Date.now() - started) / 1000 };
}

/** Boot 1 (both disks, disk 1 blank): the plan, the second root, the kernel upgrade and its sync. */
function setupSteps(lab: LabInfo): string {
  return `
good=$(disk_of ${lab.espPartuuids[0]})
new=
for d in /dev/vda /dev/vdb; do [ "$d" = "$good" ] || new=$d; done
result new-disk "$new"
result root0-uuid "$(findmnt -no UUID /)"
run plan dualroot-disk plan add "$new"
run disk-add dualroot-disk add "$new"
run config cat /etc/dualroot/dualroot.conf
result root1-uuid "$(blkid -s UUID -o value "\${new}2")"
cp /usr/lib/lab/upgrade/vmlinuz-gen2 /boot/vmlinuz-linux
cp /usr/lib/lab/upgrade/initramfs-gen2.img /boot/initramfs-linux.img
sync
run hook dualroot-sync --hook
result kernel-synced "$(cmp -s /efi0/vmlinuz-linux /efi1/vmlinuz-linux && cmp -s /efi0/initramfs-linux.img /efi1/initramfs-linux.img && echo yes)"
run entry1 cat /efi1/loader/entries/arch.conf
run fstab1 cat /mnt/root1/etc/fstab
run status-both dualroot-status --json
`;
}

/** Steps of a one-disk boot: which root is /, and dualroot-status's view. */
const ALONE_STEPS = `
result root-uuid "$(findmnt -no UUID /)"
run failed systemctl list-units --failed --plain --no-legend
run status dualroot-status --json
run status-text dualroot-status
`;

interface Check {
  check: string;
  subject?: string;
  level: string;
  message: string;
}

/** Disk `kept` alone: its own root, generation 2, and dualroot-status degraded by the missing disk only. */
function assertAlone(t: Test, boot: Boot, kept: number, rootUuid: string): void {
  const what = `disk ${kept} alone`;
  assertSystemdBooted(t, boot, what);
  t.equal(
    boot.results.get('initramfs-generation'),
    '2',
    `${what}: the upgraded (generation 2) initramfs ran`,
  );
  t.equal(
    boot.results.get('root-uuid'),
    rootUuid,
    `${what}: / is disk ${kept}'s own root (UUID ${rootUuid})`,
  );
  t.equal(run(t, boot, 'failed').stdout.trim(), '', `${what}: no failed unit`);
  const status = run(t, boot, 'status');
  const text = run(t, boot, 'status-text').stdout;
  t.equal(status.exit, 3, `${what}: dualroot-status exits 3 (degraded):\n${text}`);
  const bad: Check[] = (json(t, boot, 'status').checks ?? []).filter((c: Check) => c.level !== 'ok');
  t.ok(bad.length > 0, `${what}: dualroot-status names a problem`);
  // Each root's fstab (the copy's exchanged by the disk map) mounts the other disk at /efi1 and
  // /mnt/root1, so every problem must be about those, or the count of ESPs they leave.
  const other = '/efi1|/mnt/root1|^count: only 1 ESP present';
  for (const c of bad)
    t.match(
      `${c.subject ?? ''}: ${c.message}`,
      new RegExp(other),
      `${what}: only the other disk is wrong: ${c.check} ${c.subject ?? ''}: ${c.message}`,
    );
}

/** Scenario 10: the second root made, the upgrade synced, each disk alone boots its own root. */
export async function scenarioTwoRoots(t: Test, lab: LabInfo & { seconds: number }): Promise<void> {
  t.comment(`build-two-roots.sh: ${lab.seconds.toFixed(1)} s`);
  const machine = new LabMachine('10-two-roots', lab, 'golden-two-roots');
  const setup = await machine.boot({
    label: 'add-root1',
    disks: [0, 1],
    timeoutMs: BOOT_TIMEOUT_MS,
    stopOn: EMERGENCY,
    steps: setupSteps(lab),
  });
  assertSystemdBooted(t, setup, 'setup boot (disk 1 blank)');
  const root0 = setup.results.get('root0-uuid') ?? '';
  const root1 = setup.results.get('root1-uuid') ?? '';
  t.equal(root0, lab.rootFsUuid, `disk 0 booted its ext4 root ${lab.rootFsUuid}`);
  t.match(root1, /^[0-9a-f-]{36}$/, `disk 1 has its own ext4 root (${root1})`);
  t.not(root1, root0, 'the two roots differ');
  const plan = run(t, setup, 'plan');
  t.equal(plan.exit, 0, `dualroot-disk plan exits 0 ${plan.stderr}`);
  t.match(plan.stdout, /: 11 of 11 steps to do/, `the plan: ${plan.stdout}`);
  t.match(plan.stdout, /mkfs\.ext4 -q -F -U [0-9a-f-]{36} \/dev\/vd[ab]2/);
  const add = run(t, setup, 'disk-add');
  t.equal(add.exit, 0, `dualroot-disk add exits 0:\n${add.stdout}\n${add.stderr}`);
  t.match(
    add.stdout,
    /its own root \/dev\/vd[ab]2 at \/mnt\/root1, kept in sync by \[sync:etc\] \[sync:usr\].*: every step done/,
  );
  t.equal(run(t, setup, 'hook').exit, 0, `dualroot-sync --hook exits 0 ${run(t, setup, 'hook').stderr}`);
  for (const d of ['etc', 'usr', 'root'])
    t.match(
      run(t, setup, 'config').stdout,
      `[sync:${d}]\n; written by dualroot-disk add`,
      `dualroot.conf keeps /${d} in sync on the new root`,
    );
  t.equal(setup.results.get('kernel-synced'), 'yes', 'the upgraded kernel and initramfs are on ESP 1 too');
  t.match(run(t, setup, 'entry1').stdout, `root=UUID=${root1}`, "ESP 1's entry names disk 1's root");
  t.match(
    run(t, setup, 'fstab1').stdout,
    new RegExp(`UUID=${root1}\\s+/\\s`),
    "root 1's fstab mounts itself at /",
  );
  t.match(
    run(t, setup, 'fstab1').stdout,
    new RegExp(`UUID=${root0}\\s+/mnt/root1\\s.*nofail`),
    "root 1's fstab mounts disk 0's root at /mnt/root1, nofail",
  );

  for (const kept of [1, 0]) {
    await t.test(`disk ${kept} alone`, async (t) => {
      const boot = await machine.boot({
        label: `disk${kept}-alone`,
        disks: [kept],
        timeoutMs: BOOT_TIMEOUT_MS,
        stopOn: EMERGENCY,
        steps: ALONE_STEPS,
      });
      assertAlone(t, boot, kept, kept === 0 ? root0 : root1);
    });
  }
}
