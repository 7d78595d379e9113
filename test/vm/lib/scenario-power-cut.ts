// Lab scenario 7: the power is cut (QEMU SIGKILLed, no shutdown) while the pacman hook copies a
// kernel upgrade to ESP 1, whose writes are throttled so the cut points spread over the copy. A cut
// is placed either by how much the guest has written to ESP 1's disk so far (the guest prints its
// /sys/block/DEV/stat sector count every 0.2 s: the staged copy's data), or by which of the staged
// files has been renamed into place (the guest prints the inode numbers of /efi1's initramfs and
// kernel as they change). Then disk 1 boots alone: it must boot a matching kernel and initramfs
// (both old or both new). Finally the next sync from disk 0 repairs ESP 1.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { json, run } from './guest-results.js';
import { type Boot, cacheDir, copySparse, type LabInfo, LabMachine } from './lab.js';

/** Bytes per second ESP 1's disk may write during the cut boots. */
const THROTTLE = 1024 * 1024;

/**
 * Cut points: a number is a fraction of the upgrade's bytes written to ESP 1's disk (the copy into
 * .dualroot-staging/ and its flush); "initramfs" / "kernel" cut as soon as the guest sees that file
 * renamed into place (the rename is in the page cache then; its group's syncfs may not have run).
 * DUALROOT_LAB_CUTS ("0.3,initramfs,...") runs others.
 */
const CUTS = (process.env.DUALROOT_LAB_CUTS ?? '0.25,0.5,0.75,1,initramfs,kernel').split(',');

/** The outcome of one cut point, for the report. */
export interface CutResult {
  point: string;
  cut: boolean;
  booted: boolean;
  kernel: string | undefined;
  initramfs: string | undefined;
}

/** The ESP systemd-boot loaded from (its LoaderDevicePartUUID variable, UTF-16 after a 4-byte header). */
const bootedEsp = `result booted-partuuid "$(tail -c +5 /sys/firmware/efi/efivars/LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f | tr -d '\\000' | tr A-Z a-z)"`;

/** generation FILE PAYLOAD: 2 if FILE is the upgrade's copy, 1 if not, "missing" if absent. */
const generationOf = `generation() { if [ ! -e "$1" ]; then echo missing; elif cmp -s "$1" "$2"; then echo 2; else echo 1; fi; }`;

const cutSteps = (lab: LabInfo) => `
${bootedEsp}
run bind dualroot-bind
result boot-source "$(mounted_source /boot)"
result efi1-source "$(mounted_source /efi1)"
dev=$(basename "$(disk_of ${lab.espPartuuids[1]})")
written() { awk '{print $7}' "/sys/block/$dev/stat"; }
ino() { ls -i "$1" 2>/dev/null | awk '{print $1}'; }
base=$(written)
cp /usr/lib/lab/payload/vmlinuz-linux /boot/vmlinuz-linux
cp /usr/lib/lab/payload/initramfs-linux.img /boot/initramfs-linux.img
# What pacman wrote is on disk 0 before the hook runs, so the cut tests only the hook's copy.
sync -f /boot
i0=$(ino /efi1/initramfs-linux.img)
k0=$(ino /efi1/vmlinuz-linux)
(while :; do echo "@@W $(($(written) - base))"; sleep 0.2; done) &
(last=""; while :; do
  s=""
  [ "$(ino /efi1/initramfs-linux.img)" != "$i0" ] && s="$s initramfs"
  [ "$(ino /efi1/vmlinuz-linux)" != "$k0" ] && s="$s kernel"
  [ "$s" != "$last" ] && echo "@@RENAMED$s" && last="$s"
  sleep 0.02
done) &
echo "@@COPY-START"
run hook dualroot-sync --hook
echo "@@COPY-END"
`;

/** Which generation of the kernel and initramfs disk 1 booted (1 old, 2 new), from the guest. */
const aloneSteps = (lab: LabInfo) => `
${bootedEsp}
${generationOf}
# The kernel the entry names (dualroot points it at the staged copy while the set moves).
kernel=$(awk '$1 == "linux" {print $2}' /efi1/loader/entries/arch.conf)
result entry-kernel "$kernel"
result kernel-generation "$(generation "/efi1$kernel" /usr/lib/lab/payload/vmlinuz-linux)"
result initramfs-file-generation "$(generation /efi1/initramfs-linux.img /usr/lib/lab/payload/initramfs-linux.img)"
result efi1-listing "$(cd /efi1 && find . -type f -exec ls -l {} + | awk '{print $5, $NF}' | tr '\\n' ';')"
result staging-left "$(cd /efi1 && find .dualroot-staging 2>/dev/null | tr '\\n' ' ')"
run fsck fsck.fat -n "$(readlink -f /dev/disk/by-partuuid/${lab.espPartuuids[1]})"
`;

/**
 * A predicate for BootOptions.cut: a fraction cuts once the guest wrote that share of `upgrade`
 * bytes to ESP 1's disk during the copy; a file name once the guest saw it renamed into place.
 */
function cutAt(point: string, upgrade: number): (console: string) => boolean {
  return (console) => {
    const start = console.indexOf('@@COPY-START');
    if (start < 0) return false;
    const after = console.slice(start);
    if (Number.isNaN(Number(point)))
      return [...after.matchAll(/@@RENAMED([a-z ]*)/g)].some((m) => m[1]?.split(' ').includes(point));
    const m = [...after.matchAll(/@@W (\d+)/g)].at(-1);
    return m !== undefined && Number(m[1]) * 512 >= Number(point) * upgrade;
  };
}

/** Scenario 7; returns each cut point's outcome. */
export async function scenarioPowerCut(t: Test, lab: LabInfo): Promise<CutResult[]> {
  const machine = new LabMachine('7-power-cut', lab);
  const setup = await machine.boot({
    label: 'setup',
    disks: [0, 1],
    steps: 'run bind dualroot-bind\nrun sync dualroot-sync\nrun fix dualroot-esp entries --fix\n',
  });
  t.ok(setup.ended, `setup boot ran (log ${setup.logFile})`);
  t.equal(run(t, setup, 'sync').exit, 0, 'ESP 1 holds the old kernel set');
  t.equal(run(t, setup, 'fix').exit, 0, 'each ESP has a boot entry, so disk 1 alone boots');
  const saved = (f: string) => join(machine.dir, `setup-${f}`);
  const files = ['disk0.img', 'disk1.img', 'OVMF_VARS.fd'];
  for (const f of files) copySparse(join(machine.dir, f), saved(f));
  const upgrade = ['vmlinuz-gen2', 'initramfs-gen2.img']
    .map((f) => statSync(join(cacheDir, f)).size)
    .reduce((a, b) => a + b, 0);

  const results: CutResult[] = [];
  let last: Boot | undefined;
  for (const point of CUTS) {
    for (const f of files) copySparse(saved(f), join(machine.dir, f));
    const cut = await machine.boot({
      label: `cut-at-${point}`,
      disks: [0, 1],
      steps: cutSteps(lab),
      drive: { 1: `throttling.bps-write=${THROTTLE}` },
      cut: cutAt(point, upgrade),
      timeoutMs: 300_000,
    });
    t.ok(cut.cut || cut.ended, `cut at ${point}: the boot was cut or finished (log ${cut.logFile})`);
    t.equal(
      cut.results.get('booted-partuuid'),
      lab.espPartuuids[0],
      `cut at ${point}: the cut boot booted disk 0, so the hook copied to ESP 1 (/boot ${cut.results.get('boot-source')}, /efi1 ${cut.results.get('efi1-source')})`,
    );
    t.comment(
      `cut at ${point} of ${upgrade} bytes: ${cut.cut ? 'cut' : 'copy ended first'} after ${cut.seconds.toFixed(1)} s`,
    );
    const alone = await machine.boot({
      label: `disk1-after-cut-${point}`,
      disks: [1],
      steps: aloneSteps(lab),
    });
    const kernel = alone.results.get('kernel-generation');
    const initramfs = alone.results.get('initramfs-generation');
    const booted = alone.ended && !alone.shell && !alone.timedOut;
    t.equal(
      alone.results.get('booted-partuuid'),
      lab.espPartuuids[1],
      `cut at ${point}: disk 1 booted ESP 1`,
    );
    t.comment(
      `cut at ${point}: the entry names ${alone.results.get('entry-kernel')}, kernel generation ${kernel}; /initramfs-linux.img generation ${alone.results.get('initramfs-file-generation')}; files: ${alone.results.get('efi1-listing')}`,
    );
    results.push({ point, cut: cut.cut, booted, kernel, initramfs });
    t.ok(booted, `cut at ${point}: disk 1 alone booted Linux to the end (log ${alone.logFile})`);
    t.equal(
      kernel,
      initramfs,
      `cut at ${point}: a matching pair booted (kernel ${kernel}, initramfs ${initramfs})`,
    );
    t.comment(
      `cut at ${point}: staging directory left on ESP 1: ${alone.results.get('staging-left') || 'none'}`,
    );
    t.comment(
      `cut at ${point}: fsck.fat -n exit ${run(t, alone, 'fsck').exit}: ${run(t, alone, 'fsck').stdout}`,
    );
    last = alone;
  }
  t.ok(last, 'at least one cut point ran');
  const repair = await machine.boot({
    label: 'repair',
    disks: [0, 1],
    steps: `run esp dualroot-esp --json\nrun bind dualroot-bind\nrun sync dualroot-sync\nresult efi0-sum "$(tree_sum /efi0)"\nresult efi1-sum "$(tree_sum /efi1)"\nrun fsck fsck.fat -n "$(readlink -f /dev/disk/by-partuuid/${lab.espPartuuids[1]})"\n`,
  });
  t.equal(json(t, repair, 'esp').booted?.partuuid, lab.espPartuuids[0], 'the repair boot booted disk 0');
  t.equal(
    run(t, repair, 'sync').exit,
    0,
    `after the last cut, the next sync from disk 0 succeeds (log ${repair.logFile})`,
  );
  t.equal(repair.results.get('efi1-sum'), repair.results.get('efi0-sum'), '...and ESP 1 matches ESP 0 again');
  t.comment(`repair: dualroot-sync said: ${run(t, repair, 'sync').stdout.trim()}`);
  t.comment(`repair: fsck.fat -n exit ${run(t, repair, 'fsck').exit}: ${run(t, repair, 'fsck').stdout}`);
  t.comment(
    `power cuts: ${results.length} tried, ${results.filter((r) => r.booted && r.kernel === r.initramfs).length} booted a matching pair`,
  );
  return results;
}
