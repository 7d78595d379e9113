// Lab scenario 8: the destination ESP's disk starts failing writes (dm-flakey) while a sync copies
// a kernel upgrade into its staging directory: dualroot-sync and the daemon fail loudly, the daemon
// retries with backoff, and once the disk is healthy the next sync completes with FAT clean. In the
// same boot, a full ESP: the staged copy of a new kernel set does not fit and is refused before writing.
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import type { Boot, LabInfo } from './lab.js';
import { LabMachine } from './lab.js';

function assertBooted(t: Test, boot: Boot, what: string): void {
  t.notOk(boot.timedOut, `${what}: QEMU finished before the timeout (log ${boot.logFile})`);
  t.same(boot.failures, [], `${what}: no @@FAIL from the guest`);
  t.ok(boot.ended, `${what}: the guest ran its steps and powered off (log ${boot.logFile})`);
  t.comment(`${what}: ${boot.seconds.toFixed(1)} s`);
}

/** Steps: ESP 1's disk behind device-mapper; a sync and then the daemon meet failing writes. */
function ioErrorSteps(lab: LabInfo): string {
  return `
run bind dualroot-bind
run sync-first dualroot-sync
part1=$(readlink -f /dev/disk/by-partuuid/${lab.espPartuuids[1]})
umount /efi1
loop=$(dm_wrap "$part1" esp1disk)
result loop "$loop"
# No udev: the loop partition's by-partuuid link and /dev/block node, so dualroot sees an ESP there.
udev_standin
wait_for 10 test -b "\${loop}p1"
mount "\${loop}p1" /efi1
result efi1-source "$(mounted_source /efi1)"
run esp dualroot-esp --json
efi0_before=$(tree_sum /efi0)
# 1. dualroot-sync copies a kernel upgrade; once its staging directory appears, writes start failing.
cp /usr/lib/lab/payload/vmlinuz-linux /boot/vmlinuz-linux
cp /usr/lib/lab/payload/initramfs-linux.img /boot/initramfs-linux.img
efi0_upgraded=$(tree_sum /efi0)
dualroot-sync >/tmp/sync.out 2>/tmp/sync.err &
syncpid=$!
wait_for 60 test -d /efi1/.dualroot-staging && result staging-seen yes
dm_table esp1disk error_writes
result table-failing "$(dmsetup table esp1disk | sed -n 2p | cut -d' ' -f3)"
wait $syncpid
rc=$?
echo "@@RUN sync-failing exit=$rc stdout=$(base64 -w0 </tmp/sync.out) stderr=$(base64 -w0 </tmp/sync.err)"
run status-failing dualroot-status --json
run dmesg-failing sh -c 'dmesg | grep -iE "fat|i/o error|loop" | tail -20'
# 2. The daemon meets the same failing disk: it must retry with backoff and say so.
dualroot-watch >/tmp/watch.log 2>&1 &
watchpid=$!
wait_for 60 grep -q 'esp: watching' /tmp/watch.log
echo "written while the disk fails" >/boot/loader/fault.txt
sync -f /boot
efi0_upgraded=$(tree_sum /efi0)
wait_for 60 grep -q 'retrying in 10 s' /tmp/watch.log && result watch-retrying yes
run status-daemon-failing dualroot-status --json
# 3. The disk is healthy again. The write errors made the kernel remount the FAT read-only (its
# errors=remount-ro), so the administrator does what the message says: umount, fsck.fat -a, mount.
# Then the daemon's next retry completes.
dm_table esp1disk linear
run efi1-mode sh -c 'grep " /efi1 " /proc/mounts'
umount /efi1
run fsck-repair fsck.fat -a "\${loop}p1"
mount "\${loop}p1" /efi1
wait_for 150 sh -c "sed -n '/retrying in/,\\$p' /tmp/watch.log | grep -q 'esp: synced'" && result watch-recovered yes
kill -TERM $watchpid
wait $watchpid
run watch-log cat /tmp/watch.log
run sync-healthy dualroot-sync --json
result efi0-after "$(tree_sum /efi0)"
result efi0-unchanged "$([ "$(tree_sum /efi0)" = "$efi0_upgraded" ] && echo yes)"
result efi0-sum "$(tree_sum /efi0)"
result efi1-sum "$(tree_sum /efi1)"
umount /efi1
# What is on the disk, not in the page cache: mounted again after fsck.
run fsck fsck.fat -n "\${loop}p1"
mount "\${loop}p1" /efi1
result efi1-sum-remounted "$(tree_sum /efi1)"
run status-healthy dualroot-status
# 4. A full ESP: a filler leaves /efi1 less room than the staged copy of a new kernel set needs.
cp /usr/lib/lab/payload/vmlinuz-linux /boot/vmlinuz-linux-lts
cp /usr/lib/lab/payload/initramfs-linux.img /boot/initramfs-linux-lts.img
sync -f /boot
need_k=$(du -k -c /boot/vmlinuz-linux-lts /boot/initramfs-linux-lts.img | tail -1 | cut -f1)
free_k=$(df -k /efi1 | awk 'NR == 2 {print $4}')
# util-linux fallocate --keep-size: the clusters are allocated, nothing is written (a dd filler
# would write 240 MB through the 2 MiB/s throttle). With a mode it does not create the file.
: >/efi1/filler
/usr/bin/fallocate --keep-size -l $(((free_k - need_k / 2) * 1024)) /efi1/filler
sync -f /efi1
result full-free-k "$(df -k /efi1 | awk 'NR == 2 {print $4}')"
result full-need-k "$need_k"
efi1_full=$(tree_sum /efi1)
run sync-full dualroot-sync
result efi1-full-unchanged "$([ "$(tree_sum /efi1)" = "$efi1_full" ] && echo yes)"
result efi1-no-staging "$([ ! -e /efi1/.dualroot-staging ] && echo yes)"
run status-full dualroot-status --json
rm /efi1/filler
run sync-room dualroot-sync
result efi0-room-sum "$(tree_sum /efi0)"
result efi1-room-sum "$(tree_sum /efi1)"
`;
}

/** Scenario 8. */
export async function scenarioIoError(t: Test, lab: LabInfo): Promise<void> {
  const machine = new LabMachine('8-io-error', lab);
  const boot = await machine.boot({
    label: 'io-error',
    disks: [0, 1],
    steps: ioErrorSteps(lab),
    // Slowed down so the table fails while the copy into staging is still being written.
    drive: { 1: `throttling.bps-write=${2 * 1024 * 1024}` },
    timeoutMs: 600_000,
  });
  assertBooted(t, boot, 'the I/O error boot');
  t.equal(run(t, boot, 'sync-first').exit, 0, 'ESP 1 in sync before the faults');
  t.equal(
    json(t, boot, 'esp').esps?.find((e: { mounts: string[] }) => e.mounts.includes('/efi1'))?.device,
    `${boot.results.get('loop')}p1`,
    '/efi1 is the ESP partition on the loop device over device-mapper',
  );
  t.equal(boot.results.get('staging-seen'), 'yes', 'the table failed while the copy was running');
  t.equal(boot.results.get('table-failing'), 'flakey', 'the live table was dm-flakey with error_writes');
  const failing = run(t, boot, 'sync-failing');
  t.equal(failing.exit, 1, `dualroot-sync exits 1 on the failing disk: ${failing.stdout}${failing.stderr}`);
  t.match(failing.stderr, /\/efi1/, 'its message names the destination');
  t.match(failing.stderr, /Input\/output error|I\/O error/i, 'and the error');
  t.comment(`dualroot-sync on the failing disk: ${failing.stderr.trim()}`);
  const status = json(t, boot, 'status-failing');
  t.ok(
    (status.checks ?? []).some(
      (c: { level: string; message: string }) => c.level !== 'ok' && /\/efi1/.test(c.message),
    ),
    'dualroot-status reports the failed destination',
  );
  t.equal(boot.results.get('watch-retrying'), 'yes', 'the daemon logged its retry with backoff');
  t.comment(
    `after the errors: ${run(t, boot, 'efi1-mode').stdout.trim()}; fsck.fat -a: ${run(t, boot, 'fsck-repair').stdout.trim()}`,
  );
  const log = run(t, boot, 'watch-log').stdout;
  if (/EROFS|Read-only file system/.test(log))
    t.match(
      log,
      /mounted read-only \(the kernel does that to a FAT after write errors\); fix: .*fsck\.fat -a/,
      'the daemon says the FAT went read-only and how to get it back',
    );
  t.equal(
    boot.results.get('watch-recovered'),
    'yes',
    'a retry completed once the disk was healthy (and remounted)',
  );
  t.comment(run(t, boot, 'watch-log').stdout);
  t.equal(run(t, boot, 'sync-healthy').exit, 0, 'the next sync completes');
  t.equal(boot.results.get('efi0-unchanged'), 'yes', 'the booted ESP was never written by the faults');
  t.equal(boot.results.get('efi1-sum'), boot.results.get('efi0-sum'), 'ESP 1 matches ESP 0 again');
  const fsck = run(t, boot, 'fsck');
  t.equal(fsck.exit, 0, `fsck.fat -n finds ESP 1 clean: ${fsck.stdout}${fsck.stderr}`);
  t.equal(
    boot.results.get('efi1-sum-remounted'),
    boot.results.get('efi0-sum'),
    'remounted (read from the disk, not the page cache), ESP 1 still matches',
  );
  t.comment(run(t, boot, 'dmesg-failing').stdout);
  assertFullEsp(t, boot);
}

/** The full-ESP part of the boot: refused before writing, warned about by status, done once there is room. */
function assertFullEsp(t: Test, boot: Boot): void {
  const what = `a full /efi1 (${boot.results.get('full-free-k')} KiB free, the new kernel set ${boot.results.get('full-need-k')} KiB)`;
  const full = run(t, boot, 'sync-full');
  t.equal(full.exit, 1, `${what}: dualroot-sync exits 1: ${full.stderr}`);
  t.match(
    full.stderr,
    /needs [\d.]+ MiB, has [\d.]+ MiB free on \/efi1; remove old kernels/,
    `${what}: the message says what it needs and has`,
  );
  t.equal(boot.results.get('efi1-full-unchanged'), 'yes', `${what}: /efi1 not changed`);
  t.equal(boot.results.get('efi1-no-staging'), 'yes', `${what}: no staging directory left`);
  const space = (json(t, boot, 'status-full').checks ?? []).filter(
    (c: { check: string; subject?: string }) => c.check === 'space' && c.subject === '/efi1',
  );
  t.match(space, [{ level: 'warning' }], `${what}: dualroot-status warns about its room`);
  t.equal(run(t, boot, 'sync-room').exit, 0, 'with the filler removed the sync completes');
  t.equal(boot.results.get('efi1-room-sum'), boot.results.get('efi0-room-sum'), 'and ESP 1 matches ESP 0');
}
