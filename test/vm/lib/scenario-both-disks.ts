// Lab scenario 1: both disks present. dualroot-esp names the booted ESP, bind mounts /boot from it,
// sync copies it onto ESP 1 (a second sync copies nothing, --test changes nothing).
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type LabInfo, LabMachine } from './lab.js';
import { assertBooted, assertEspsIdentical, filesTransferred } from './lab-assert.js';

/** Scenario 1: identify, bind, sync, an idempotent second sync, --test. */
export async function scenarioBothDisks(t: Test, lab: LabInfo): Promise<void> {
  const machine = new LabMachine('1-both-disks', lab);
  const boot = await machine.boot({
    label: 'both-disks',
    disks: [0, 1],
    steps: `
run esp dualroot-esp --json
run bind dualroot-bind
run bind-again dualroot-bind
result boot-source "$(mounted_source /boot)"
result efi0-source "$(mounted_source /efi0)"
result efi1-before "$(tree_sum /efi1)"
run sync-test dualroot-sync --test
result efi1-after-test "$(tree_sum /efi1)"
run sync1 dualroot-sync --json
run sync2 dualroot-sync --json
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
run state cat /run/dualroot/sync-state.json
`,
  });
  assertBooted(t, boot, 'boot with both disks');
  t.equal(boot.results.get('initramfs-generation'), '1', 'booted the installed initramfs');
  t.equal(boot.results.get('root-mount'), 'normal', 'btrfs RAID1 root mounted with both members');

  const esp = json(t, boot, 'esp');
  t.equal(run(t, boot, 'esp').exit, 0, 'dualroot-esp exits 0');
  t.equal(esp.booted?.partuuid, lab.espPartuuids[0], "dualroot-esp names disk 0's ESP as booted");
  t.equal(
    esp.booted?.evidence,
    'LoaderDevicePartUUID',
    'decided by LoaderDevicePartUUID (set by systemd-boot)',
  );
  t.equal(esp.esps?.length, 2, 'both ESPs listed');

  t.equal(run(t, boot, 'bind').exit, 0, `dualroot-bind exits 0: ${run(t, boot, 'bind').stderr}`);
  t.equal(run(t, boot, 'bind-again').exit, 0, 'a second dualroot-bind is a no-op, exit 0');
  const bootSource = boot.results.get('boot-source');
  t.ok(bootSource, '/boot is a mount');
  t.equal(bootSource, boot.results.get('efi0-source'), '/boot is the same filesystem and root as /efi0');

  t.equal(run(t, boot, 'sync-test').exit, 0, 'dualroot-sync --test exits 0');
  t.match(
    run(t, boot, 'sync-test').stdout,
    /stale\.txt|delete|create/,
    '--test reports what it would change',
  );
  t.equal(
    boot.results.get('efi1-after-test'),
    boot.results.get('efi1-before'),
    '--test changed nothing on ESP 1',
  );

  const sync1 = json(t, boot, 'sync1');
  t.equal(run(t, boot, 'sync1').exit, 0, `first dualroot-sync exits 0: ${run(t, boot, 'sync1').stderr}`);
  t.ok(filesTransferred(sync1) > 0, `first sync copied files (${filesTransferred(sync1)})`);
  t.equal(
    boot.results.get('efi1-sum'),
    boot.results.get('efi0-sum'),
    'in the guest, ESP 1 hashes like ESP 0',
  );

  const sync2 = json(t, boot, 'sync2');
  t.equal(run(t, boot, 'sync2').exit, 0, 'second dualroot-sync exits 0');
  t.ok(
    sync2.results?.some(
      (r: { destination: string; status: string }) => r.destination === '/efi1' && r.status === 'ok',
    ),
    'second sync reports /efi1 ok',
  );
  t.equal(
    filesTransferred(sync2),
    0,
    'second sync transfers no file (FAT 2 s times handled by --modify-window)',
  );

  const state = json(t, boot, 'state');
  t.equal(state.items?.esp?.destinations?.['/efi1']?.ok, true, 'sync-state.json records /efi1 as ok');

  t.notOk(await machine.espFile(1, '/stale.txt'), 'the stale file on ESP 1 was deleted');
  await assertEspsIdentical(t, machine, 'after the sync');
}
