#!/bin/bash
# Builds the disks of lab scenario 10 (approach 2: one ext4 root per disk), under test/vm/cache/
# (git-ignored), from what test/vm/build.sh and test/vm/build-systemd.sh made (run them first):
#   golden-two-roots/disk0.img   golden's partition table, scenario 5's ESP 0; partition 2 an ext4 root holding
#                scenario 5's Debian root (real systemd, dualroot installed by packaging/install.sh, its
#                units enabled), re-installed from the current dist/ and with a one-disk fstab (/efi0 and
#                / by UUID); ESP 0 boots it with an initramfs whose /init is the current
#                guest/initramfs-init (which mounts an ext4 root partition)
#   golden-two-roots/disk1.img   blank (no partition table): the disk `dualroot-disk add` is given
#                (the root has what it runs: sfdisk from the host, bootctl from build.sh's systemd-boot .deb)
#   golden-two-roots/lab.json    golden's, with rootFsUuid the ext4 root's
# Usage: test/vm/build.sh && test/vm/build-systemd.sh && test/vm/build-two-roots.sh   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${DUALROOT_VM_CACHE:-$here/cache}
golden=$cache/golden
src=$cache/golden-systemd
out=$cache/golden-two-roots
export MTOOLS_SKIP_CHECK=1
readonly ROOT_FSUUID=b7f0c0de-0000-4000-8000-0000000a2000 DISK_MIB=2048

die() { echo "build-two-roots.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (loop devices, chroot)"
for tool in mkfs.ext4 mcopy sfdisk losetup cpio zstd systemctl; do
  command -v "$tool" >/dev/null || die "missing $tool: install the packages listed in docs/uefi-lab.md"
done
[[ -f $golden/lab.json && -f $src/disk0.img && -f $cache/initramfs-gen1.img ]] ||
  die "run test/vm/build.sh and test/vm/build-systemd.sh first ($golden or $src is missing)"

tmp=$(mktemp -d /tmp/dualroot-lab-two-roots.XXXXXX)
loops=()
mnt=$tmp/mnt
cleanup() {
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  for l in "${loops[@]}"; do
    btrfs device scan --forget "$l" >/dev/null 2>&1 || true
    losetup -d "$l" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$mnt"
json() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))[process.argv[2]].toString())' "$golden/lab.json" "$1"; }
part2() { # image -> "offset size" in bytes of partition 2
  sfdisk -J "$1" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")).partitiontable;
    const p = t.partitions[1]; console.log(p.start * t.sectorsize, p.size * t.sectorsize);'
}

# --- the root tree: scenario 5's (its btrfs RAID1, read-only), dualroot re-installed from dist/ ------
for i in 0 1; do
  read -r off size < <(part2 "$src/disk$i.img")
  loops+=("$(losetup -f --show -r -o "$off" --sizelimit "$size" "$src/disk$i.img")")
done
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o "ro,device=${loops[0]},device=${loops[1]}" "${loops[0]}" "$mnt"
root=$tmp/root
mkdir -p "$root"
cp -a "$mnt"/. "$root"/
umount "$mnt"
for l in "${loops[@]}"; do btrfs device scan --forget "$l" >/dev/null 2>&1 || true; losetup -d "$l"; done
loops=()
DESTDIR=$root PREFIX=/usr SYSCONFDIR=/etc NODE=/usr/bin/node "$repo/packaging/install.sh" >/dev/null
rm -f "$root/etc/dualroot/dualroot.conf.new"
install -m 0644 "$here/guest/lab-lib.sh" "$root/usr/lib/lab/lab-lib.sh"
install -m 0755 "$here/guest/systemd-report" "$root/usr/lib/lab/systemd-report"
# A one-disk machine: its ESP and its root, nothing of a second disk (dualroot-disk add writes that).
espline=$(grep -m1 -E '^UUID=[0-9A-F-]+ +/efi0 ' "$root/etc/fstab") || die "scenario 5's fstab has no /efi0 line"
cat >"$root/etc/fstab" <<EOF
# dualroot lab scenario 10: one disk, its ESP and its own ext4 root (docs/uefi-lab.md)
UUID=$ROOT_FSUUID  /  ext4  defaults  0 1
$espline
EOF
rmdir "$root/efi1" 2>/dev/null || true
# docs/arch-install.md: with the root on the ESP's disk, systemd-gpt-auto-generator would automount
# the ESP on /boot (where dualroot-bind binds it); the docs say to mask it, so the lab does.
mkdir -p "$root/etc/systemd/system-generators"
ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-gpt-auto-generator"
# sfdisk (Arch: util-linux; Debian: the fdisk package, not in scenario 5's list) for dualroot-disk and
# the scripted add: the host's (same Debian release), with the libraries ldd names.
install -D -m 0755 "$(command -v sfdisk)" "$root/usr/sbin/sfdisk"
for lib in $(ldd "$(command -v sfdisk)" | grep -o '/[^ ]*'); do
  dst=$root$(sed -E 's#^/(lib|lib64)/#/usr/\1/#' <<<"$lib")
  [[ -e $dst ]] || install -D -m 0755 "$(realpath "$lib")" "$dst"
done
# bootctl (Debian: the systemd-boot package, whose maintainer scripts touch an ESP; unpacked from
# the .deb build.sh fetched) and the loader it installs (the host's systemd-boot-efi), for
# dualroot-disk add's bootloader step.
bdeb=$(ls "$cache"/systemd-boot/*.deb 2>/dev/null | head -1)
[[ -n $bdeb ]] || die "no systemd-boot .deb in $cache/systemd-boot (test/vm/build.sh fetches it)"
dpkg -x "$bdeb" "$tmp/systemd-boot"
install -D -m 0755 "$tmp/systemd-boot/usr/bin/bootctl" "$root/usr/bin/bootctl"
mkdir -p "$root/usr/lib/systemd/boot"
cp -a /usr/lib/systemd/boot/efi "$root/usr/lib/systemd/boot/"
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" "$@"; }
in_root sfdisk --version >/dev/null || die "the host's sfdisk does not run in the Debian root"
in_root bootctl --version >/dev/null || die "bootctl from $bdeb does not run in the Debian root"
# Generation 2 (build.sh's kernel and initramfs upgrade, same /init) waits in the root for the
# scenario's kernel upgrade: /usr/lib/lab/upgrade/.
initramfs() { # generation -> initramfs with the current /init
  local dir=$tmp/initramfs-$1
  mkdir -p "$dir"
  zstd -dcq "$cache/initramfs-gen$1.img" | (cd "$dir" && cpio -idm --quiet)
  install -m 0755 "$here/guest/initramfs-init" "$dir/init"
  (cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -3 -T0) >"$tmp/initramfs-gen$1.img"
}
initramfs 1
initramfs 2
mkdir -p "$root/usr/lib/lab/upgrade"
cp "$tmp/initramfs-gen2.img" "$cache/vmlinuz-gen2" "$root/usr/lib/lab/upgrade/"

# --- the disks ----------------------------------------------------------------------------------------
rm -rf "$out" && mkdir -p "$out"
truncate -s ${DISK_MIB}M "$out/disk0.img" "$out/disk1.img"
sfdisk -q -d "$golden/disk0.img" | sed '/^device:/d; s#^[^ ]*img[0-9]* : ##' | sfdisk -q "$out/disk0.img"
esp_off=$(json espOffsetBytes)
dd if="$src/disk0.img" of="$out/disk0.img" bs=1M skip=$((esp_off >> 20)) seek=$((esp_off >> 20)) \
  count=256 conv=notrunc,sparse status=none
read -r off size < <(part2 "$out/disk0.img")
mkfs.ext4 -q -F -L lab-root0 -U "$ROOT_FSUUID" -d "$root" "$tmp/root.ext4" "$((size / 1024))k"
dd if="$tmp/root.ext4" of="$out/disk0.img" bs=1M seek="$off" oflag=seek_bytes conv=notrunc,sparse status=none

# --- ESP 0: an initramfs with the current /init, an entry booting systemd on the ext4 root ------------
mcopy -o -i "$out/disk0.img@@$esp_off" "$tmp/initramfs-gen1.img" ::/initramfs-linux.img
mcopy -n -i "$src/disk0.img@@$esp_off" ::/loader/entries/arch.conf "$tmp/arch.conf"
sed -i "s/root=UUID=[^ ]*/root=UUID=$ROOT_FSUUID/" "$tmp/arch.conf"
mcopy -o -i "$out/disk0.img@@$esp_off" "$tmp/arch.conf" ::/loader/entries/arch.conf
node -e '
  const fs = require("fs");
  const info = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  fs.writeFileSync(process.argv[3], `${JSON.stringify({ ...info, rootFsUuid: process.argv[2] }, null, 2)}\n`);' \
  "$golden/lab.json" "$ROOT_FSUUID" "$out/lab.json"
echo "build-two-roots.sh: two-roots lab disks ready in $out (ext4 root UUID=$ROOT_FSUUID on disk 0, disk 1 blank)"
