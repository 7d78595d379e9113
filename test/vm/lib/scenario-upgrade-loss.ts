// Lab scenario 2: a kernel upgrade synced by the hook, then each disk lost in turn: the other boots
// the new kernel, degraded, and sync/status report the missing ESP.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted } from './lab-assert.js';

/** Scenario 2: kernel upgrade synced, then disk 0 and disk 1 removed in turn. */
export async function scenarioUpgradeThenLoss(t: Test, lab: LabInfo): Promise<void> {
  for (const lost of [0, 1]) {
    const kept = 1 - lost;
    await t.test(`disk ${lost} removed after the upgrade`, async (t) => {
      const machine = new LabMachine(`2-upgrade-lose-disk${lost}`, lab);
      // Boot 1: bind, give every ESP a boot entry (firmware-made entries alone do not survive a disk
      // loss, see scenario 3), upgrade the kernel into /boot and sync as the pacman hook does.
      const upgrade = await machine.boot({
        label: 'upgrade',
        disks: [0, 1],
        steps: `
run bind dualroot-bind
run sync-initial dualroot-sync
run entry0 efibootmgr -q -c -d "$(disk_of ${lab.espPartuuids[0]})" -p 1 -L "dualroot disk 0" -l '\\EFI\\BOOT\\BOOTX64.EFI'
run entry1 efibootmgr -q -c -d "$(disk_of ${lab.espPartuuids[1]})" -p 1 -L "dualroot disk 1" -l '\\EFI\\BOOT\\BOOTX64.EFI'
run entries efibootmgr -v
cp /usr/lib/lab/payload/vmlinuz-linux /boot/vmlinuz-linux
cp /usr/lib/lab/payload/initramfs-linux.img /boot/initramfs-linux.img
run hook dualroot-sync --hook
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
`,
      });
      assertBooted(t, upgrade, 'upgrade boot');
      t.equal(run(t, upgrade, 'bind').exit, 0, 'dualroot-bind exits 0');
      t.equal(
        run(t, upgrade, 'entry0').exit,
        0,
        `boot entry for ESP 0 created: ${run(t, upgrade, 'entry0').stderr}`,
      );
      t.equal(
        run(t, upgrade, 'entry1').exit,
        0,
        `boot entry for ESP 1 created: ${run(t, upgrade, 'entry1').stderr}`,
      );
      t.equal(
        run(t, upgrade, 'hook').exit,
        0,
        `dualroot-sync --hook exits 0: ${run(t, upgrade, 'hook').stdout}`,
      );
      t.equal(
        upgrade.results.get('efi1-sum'),
        upgrade.results.get('efi0-sum'),
        'ESPs identical after the hook',
      );
      const newKernel = await machine.espFile(kept, '/vmlinuz-linux');
      t.ok(
        newKernel?.includes('DUALROOT-LAB-KERNEL-GENERATION-2'),
        `the new kernel is on disk ${kept}'s ESP (read with mtools)`,
      );

      // Boot 2: disk `lost` is gone.
      const degraded = await machine.boot({
        label: `without-disk${lost}`,
        disks: [kept],
        steps: `
run esp dualroot-esp --json
run bind dualroot-bind
result boot-source "$(mounted_source /boot)"
result efi${kept}-source "$(mounted_source /efi${kept})"
result efi${lost}-mounted "$(mounted_source /efi${lost})"
run sync dualroot-sync
if command -v dualroot-status >/dev/null; then run status dualroot-status; else result status missing; fi
`,
      });
      assertBooted(t, degraded, `boot without disk ${lost}`);
      t.equal(
        degraded.results.get('initramfs-generation'),
        '2',
        'the upgraded initramfs booted (marker seen)',
      );
      t.equal(degraded.results.get('root-mount'), 'degraded', 'the btrfs root mounted degraded');
      const esp = json(t, degraded, 'esp');
      t.equal(esp.booted?.partuuid, lab.espPartuuids[kept], `dualroot-esp names disk ${kept}'s ESP`);
      t.equal(esp.booted?.evidence, 'LoaderDevicePartUUID', 'decided by LoaderDevicePartUUID');
      t.equal(run(t, degraded, 'bind').exit, 0, `dualroot-bind exits 0: ${run(t, degraded, 'bind').stderr}`);
      t.equal(
        degraded.results.get('boot-source'),
        degraded.results.get(`efi${kept}-source`),
        `/boot is disk ${kept}'s ESP`,
      );
      t.equal(
        degraded.results.get(`efi${lost}-mounted`),
        '',
        `/efi${lost} is not mounted (its disk is gone)`,
      );
      t.equal(
        run(t, degraded, 'sync').exit,
        3,
        'dualroot-sync reports degraded (exit 3): the other ESP is missing',
      );
      if (degraded.results.get('status') === 'missing') {
        t.todo('dualroot-status is not on main yet (issue 5): its exit 3 is not checked', () => {});
      } else {
        t.equal(run(t, degraded, 'status').exit, 3, 'dualroot-status reports degraded (exit 3)');
      }
    });
  }
}
