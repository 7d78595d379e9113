#!/bin/bash
# Builds the disks of lab scenario 5 (real systemd as init), under test/vm/cache/ (git-ignored):
#   debian-root/bookworm-<hash>.tar.zst   a minimal Debian root made by mmdebstrap from Debian's
#                packages (systemd, udev, ...); one tarball, cached, keyed by the package list
#   golden-systemd/disk0.img, disk1.img, lab.json   the lab's golden disks (from build.sh, run first)
#                with the btrfs RAID1 root replaced by that Debian root, dualroot installed into it by
#                packaging/install.sh, its units enabled and its fstab written as docs/arch-install.md
#                says, and ESP 0's loader entry booting systemd (init=/lib/systemd/systemd)
# The tarball is unpacked into /tmp on every run (never under test/: thousands of files there once
# overflowed tap's environment), so the disks always carry the current dist/, units/ and docs/.
# Usage: test/vm/build.sh && test/vm/build-systemd.sh   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${DUALROOT_VM_CACHE:-$here/cache}
golden=$cache/golden
out=$cache/golden-systemd
export MTOOLS_SKIP_CHECK=1

# The Debian root: what an Arch install would have for this purpose (init, udev, the tools dualroot
# calls), from Debian's own packages. The suite is the host's (Debian 12), so the host's node runs in it.
readonly SUITE=bookworm
# mdadm: the md RAID1 root check of dualroot-status is proved on a real md array (scenario 5).
readonly PACKAGES=systemd,systemd-sysv,udev,kmod,rsync,util-linux,mount,btrfs-progs,dosfstools,efibootmgr,mdadm
readonly MACHINE_ID=d0a1b0075e55000000000000000000a5 # fixed: an empty one would mean "first boot"

die() { echo "build-systemd.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (loop devices, chroot)"
for tool in mmdebstrap mkfs.btrfs losetup mcopy chroot systemctl zstd sfdisk; do
  command -v "$tool" >/dev/null || die "missing $tool (as root: bash scripts/setup.sh test, which installs .ci/debian-packages)"
done
[[ -f $golden/lab.json && -f $golden/disk0.img ]] || die "run test/vm/build.sh first ($golden is missing)"
deb=$(ls "$cache"/kernel/*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || die "no kernel package in $cache/kernel (test/vm/build.sh fetches it)"
json() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))[process.argv[2]].toString())' "$golden/lab.json" "$1"; }
root_fsuuid=$(json rootFsUuid)

# --- the Debian root tarball (cached) --------------------------------------------------------------
key=$(printf '%s %s' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
tarball=$cache/debian-root/$SUITE-$key.tar.zst
if [[ ! -f $tarball ]]; then
  rm -rf "$cache/debian-root" && mkdir -p "$cache/debian-root"
  mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$SUITE" "$cache/debian-root/partial.tar.zst" || die "mmdebstrap failed (network to deb.debian.org?)"
  mv "$cache/debian-root/partial.tar.zst" "$tarball" # the name tells mmdebstrap the format
fi

tmp=$(mktemp -d /tmp/dualroot-lab-systemd.XXXXXX)
loops=()
mnt=$tmp/mnt
cleanup() {
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  # Unregister the devices from btrfs before detaching them: a stale registration under the lab's
  # fixed fsid makes the next mount of that fsid (build.sh's, another run's) fail with EEXIST.
  for l in "${loops[@]}"; do
    btrfs device scan --forget "$l" >/dev/null 2>&1 || true
    losetup -d "$l" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
root=$tmp/root
mkdir -p "$root" "$mnt"
tar --zstd -xpf "$tarball" -C "$root"

# --- kernel modules, as the kernel package would install them -----------------------------------
dpkg -x "$deb" "$tmp/kernel"
kver=$(ls "$tmp/kernel/lib/modules" | head -1)
mkdir -p "$root/usr/lib/modules"
cp -a "$tmp/kernel/lib/modules/$kver" "$root/usr/lib/modules/"
# A clean environment in the chroot: the caller's (tap's NODE_OPTIONS, for one) is not the guest's.
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" "$@"; }
in_root depmod "$kver"

# --- node and dualroot, installed exactly as a package installs them ---------------------------------
# Debian 12's nodejs is 18, too old: use the host's node (>= 20.19) like build.sh's busybox root does.
install -m 0755 "$(realpath "$(command -v node)")" "$root/usr/bin/node"
in_root /usr/bin/node -e 'process.exit(0)' ||
  die "the host's node does not run in the Debian root (missing shared libraries?)"
DESTDIR=$root PREFIX=/usr SYSCONFDIR=/etc NODE=/usr/bin/node "$repo/packaging/install.sh"
# docs/arch-install.md section 3: enable the units (the status timer too, as for node_exporter).
systemctl --root="$root" enable dualroot-bind.service dualroot-watch.service dualroot-status.timer 2>&1 |
  sed 's/^/systemctl: /'

# --- /etc/fstab: the ESP lines exactly in docs/arch-install.md's form ------------------------------
# The options are read from the docs themselves, so the lab boots whatever the docs tell users to write.
docline=$(grep -m1 -E '^UUID=[0-9A-F]{4}-[0-9A-F]{4} +/efi0 +vfat ' "$repo/docs/arch-install.md") ||
  die "docs/arch-install.md has no 'UUID=XXXX-XXXX /efi0 vfat ...' fstab line any more"
espopts=$(awk '{print $4}' <<<"$docline")
vfat_uuid() { # volume id E5B00000 -> E5B0-0000, as blkid prints it
  local v
  v=$(grep -o "E5B0000$1" "$here/build.sh" | head -1) || die "build.sh no longer sets ESP_VOLID E5B0000$1"
  echo "${v:0:4}-${v:4:4}"
}
cat >"$root/etc/fstab" <<EOF
# dualroot lab scenario 5: btrfs RAID1 root over both disks, one ESP per disk, no /boot line
# (docs/arch-install.md section 2). The ESP options are copied from the docs.
UUID=$root_fsuuid  /  btrfs  defaults  0 0
UUID=$(vfat_uuid 0)  /efi0  vfat  $espopts  0 2
UUID=$(vfat_uuid 1)  /efi1  vfat  $espopts  0 2
EOF
mkdir -p "$root/efi0" "$root/efi1" "$root/boot"
echo "$MACHINE_ID" >"$root/etc/machine-id"
echo dualroot-lab >"$root/etc/hostname"

# --- the lab's reporter: runs the boot's steps once the boot is over, then powers off ------------
mkdir -p "$root/usr/lib/lab"
install -m 0644 "$here/guest/lab-lib.sh" "$root/usr/lib/lab/lab-lib.sh"
install -m 0755 "$here/guest/systemd-report" "$root/usr/lib/lab/systemd-report"
install -m 0644 "$here/guest/lab-report.service" "$root/etc/systemd/system/lab-report.service"
systemctl --root="$root" enable lab-report.service 2>&1 | sed 's/^/systemctl: /'
# No login prompt on the serial console: it would land in the middle of the report lines.
systemctl --root="$root" mask serial-getty@ttyS0.service 2>&1 | sed "s/^/systemctl: /"

# --- the disks: the golden ones with this root in the btrfs and a loader entry that boots systemd ----
rm -rf "$out" && mkdir -p "$out"
part2() { # image -> "offset size" in bytes of partition 2
  sfdisk -J "$1" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")).partitiontable;
    const p = t.partitions[1]; console.log(p.start * t.sectorsize, p.size * t.sectorsize);'
}
for i in 0 1; do
  cp --sparse=always "$golden/disk$i.img" "$out/disk$i.img"
  read -r off size < <(part2 "$out/disk$i.img")
  loops+=("$(losetup -f --show -o "$off" --sizelimit "$size" "$out/disk$i.img")")
done
# mkfs.btrfs -U refuses a UUID it finds on any device, and the copies still carry build.sh's root.
wipefs -q -a "${loops[@]}"
mkfs.btrfs -q -f -L lab-root -U "$root_fsuuid" -d raid1 -m raid1 "${loops[@]}" >/dev/null
# The kernel may still list build.sh's devices (since detached) under the same fsid; the mount then
# fails with EEXIST. Forget unmounted devices (mounted file systems are never affected).
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o "device=${loops[0]},device=${loops[1]}" "${loops[0]}" "$mnt"
cp -a "$root"/. "$mnt"/
sync -f "$mnt"
umount "$mnt"
for l in "${loops[@]}"; do btrfs device scan --forget "$l" >/dev/null 2>&1 || true; losetup -d "$l"; done
loops=()

# ESP 0's entry: same kernel and initramfs (whose /init mounts the btrfs root, degraded if need be,
# and switch_roots to init=), systemd as init, its status lines on the serial console.
espoff=$(json espOffsetBytes)
cat >"$tmp/arch.conf" <<EOF
title   Arch Linux (dualroot lab, systemd)
linux   /vmlinuz-linux
initrd  /initramfs-linux.img
options root=UUID=$root_fsuuid rw console=ttyS0,115200 loglevel=3 panic=-1 init=/lib/systemd/systemd systemd.show_status=1
EOF
mcopy -o -i "$out/disk0.img@@$espoff" "$tmp/arch.conf" ::/loader/entries/arch.conf
cp "$golden/lab.json" "$out/lab.json"
echo "build-systemd.sh: systemd lab disks ready in $out (Debian $SUITE root from $(basename "$tarball"))"
