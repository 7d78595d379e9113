#!/bin/bash
# dualroot demonstration on a simulated two-disk machine, built here and thrown away afterwards:
# two GPT disk images on loop devices, each with an ESP, mounted at <demo>/efi0 and <demo>/efi1
# inside a private mount namespace, and the real EFI variables captured from OVMF + systemd-boot
# (test/fixtures/efivars/both-entries-booted-disk0) saying which ESP the firmware booted.
# The host kernel here has no vfat driver, so the simulated ESPs are ext4; everything else is real.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

if [[ $(id -u) != 0 ]]; then
  echo "demo: run as root (it makes loop devices and mounts, in a private mount namespace)" >&2
  exit 2
fi
# npm run demo installs these first (scripts/setup.sh demo); run directly, say how.
for tool in rsync sfdisk losetup partx blkid mkfs.ext4 flock unshare diff; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing; as root, run: bash $repo/scripts/setup.sh demo" >&2; exit 2; }
done
[[ -f $repo/dist/dualroot-sync/index.js ]] || { echo "demo: run npm run build first (npm run demo does)" >&2; exit 2; }

# Everything below runs in a private mount namespace: no mount escapes, all vanish on exit.
if [[ ${DUALROOT_DEMO_NS:-} != 1 ]]; then
  exec env DUALROOT_DEMO_NS=1 unshare --mount --propagation private "$0" "$@"
fi

demo=$(mktemp -d /tmp/dualroot-demo.XXXXXX)
loops=()
cleanup() {
  umount -R "$demo/boot" "$demo/efi0" "$demo/efi1" 2>/dev/null || true
  for loop in "${loops[@]}"; do partx -d "$loop" 2>/dev/null || true; losetup -d "$loop" 2>/dev/null || true; done
  rm -rf "$demo"
}
trap cleanup EXIT

fixture=$repo/test/fixtures/efivars/both-entries-booted-disk0
# The ESP PARTUUIDs of the machine the fixture was captured on, so its variables describe this one.
partuuids=(2501309a-e669-42ad-82ce-06032008c705 dcd286f4-1c96-40ba-ac93-e4e3e0665751)

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@" && rc=0 || rc=$?; echo "(exit $rc)"; }

say "Building a two-disk machine in $demo"
mkdir -p "$demo/sys/class/block" "$demo/boot" "$demo/run"
for n in 0 1; do
  img=$demo/disk$n.img
  truncate -s 200M "$img"
  printf 'label: gpt\nsize=128MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=%s, name=ESP%s\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root%s\n' \
    "${partuuids[$n]}" "$n" "$n" | sfdisk -q "$img"
  loop=$(losetup -f --show "$img")
  loops+=("$loop")
  partx -a "$loop"
  mkfs.ext4 -q -L "ESP$n" "${loop}p1"
  mkdir -p "$demo/efi$n"
  mount "${loop}p1" "$demo/efi$n"
  rmdir "$demo/efi$n/lost+found"
  # Only this machine's disks are visible to dualroot (DUALROOT_SYSFS), not the host's.
  ln -s "/sys/class/block/${loop#/dev/}p1" "$demo/sys/class/block/"
  ln -s "/sys/class/block/${loop#/dev/}p2" "$demo/sys/class/block/"
  echo "disk $n: $img on $loop, ESP ${loop}p1 (PARTUUID ${partuuids[$n]}) mounted at $demo/efi$n"
done

printf '[bind]\ntarget = %s\n' "$demo/boot" > "$demo/dualroot.conf"
# The machine's fstab as docs/arch-install.md sets it up: both ESPs by PARTUUID, with nofail.
for n in 0 1; do
  echo "PARTUUID=${partuuids[$n]} $demo/efi$n vfat umask=0077,nofail,x-systemd.device-timeout=10s 0 2"
done > "$demo/fstab"
export DUALROOT_CONFIG=$demo/dualroot.conf DUALROOT_EFIVARS=$fixture DUALROOT_ESP_ROOT=$demo \
  DUALROOT_SYSFS=$demo/sys DUALROOT_RUN_DIR=$demo/run DUALROOT_FSTAB=$demo/fstab
esp() { node "$repo/dist/dualroot-esp/index.js" "$@"; }
bind() { node "$repo/dist/dualroot-bind/index.js" "$@"; }
sync() { node "$repo/dist/dualroot-sync/index.js" "$@"; }
status() { node "$repo/dist/dualroot-status/index.js" "$@"; }

# What bootctl install and mkinitcpio would have put on the booted ESP.
loader=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
efi0=$demo/efi0
mkdir -p "$efi0/EFI/BOOT" "$efi0/EFI/systemd" "$efi0/loader/entries"
if [[ -f $loader ]]; then cp "$loader" "$efi0/EFI/BOOT/BOOTX64.EFI"; cp "$loader" "$efi0/EFI/systemd/"; else head -c 100000 /dev/urandom > "$efi0/EFI/BOOT/BOOTX64.EFI"; fi
head -c 12M /dev/urandom > "$efi0/vmlinuz-linux"
head -c 20M /dev/urandom > "$efi0/initramfs-linux.img"
printf 'default arch.conf\ntimeout 3\n' > "$efi0/loader/loader.conf"
printf 'title Arch Linux\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions root=LABEL=root rootflags=subvol=@\n' > "$efi0/loader/entries/arch.conf"
head -c 32 /dev/urandom > "$efi0/loader/random-seed"
head -c 32 /dev/urandom > "$demo/efi1/random-seed-of-disk1"

say "1. Which ESP did the firmware boot? (real EFI variables from OVMF + systemd-boot)"
run esp

say "2. Bind the booted ESP onto /boot: first what it would do, then do it, then do it again"
run bind --test
run bind
run bind
run bind --check

say "3. What a sync would change (dry run: nothing is written)"
run sync --test

say "4. Sync: make ESP 1 identical to the booted ESP 0"
run sync
run diff -r --exclude=random-seed --exclude=random-seed-of-disk1 "$demo/efi0" "$demo/efi1"
echo "(no differences: ESP 1 holds the boot loader, kernel, initramfs and entries; each keeps its own random seed)"

say "5. A kernel upgrade writes into /boot; the next sync copies only what changed"
head -c 13M /dev/urandom > "$demo/boot/vmlinuz-linux"
run sync

say "6. Will this machine boot if either disk dies? (dualroot-status, healthy)"
run status

say "7. Disk 1 gone: its ESP is not mounted; dualroot refuses to write the empty mount point"
umount "$demo/efi1"
# As a dead disk: its partitions vanish from this machine's view of /sys/class/block.
rm "$demo/sys/class/block/${loops[1]#/dev/}"p*
run sync
echo "(exit 3 = degraded: done where possible, a disk is missing)"
ls -A "$demo/efi1" | grep -q . && echo "UNEXPECTED: something was written into the unmounted $demo/efi1" || echo "$demo/efi1 is still empty"

say "8. dualroot-status after the disk loss: what is wrong and what to do"
run status --prometheus "$demo/dualroot.prom"
echo "(exit 3 = degraded; the metrics a fleet's Prometheus alerts on, /usr/share/dualroot/dualroot.rules.yml:)"
grep -E '^dualroot_(degraded|esp_present|destination_in_sync)' "$demo/dualroot.prom"

say "Last sync state ($demo/run/sync-state.json)"
cat "$demo/run/sync-state.json"
