#!/bin/bash
# Builds the disks of lab scenario 9 (an md RAID1 root), under test/vm/cache/ (git-ignored), from what
# test/vm/build.sh made (run it first):
#   mdadm/*.deb   Debian's mdadm package, fetched with apt-get download (never installed; unpacked
#                into a temporary directory each run)
#   golden-md/disk0.img, disk1.img, lab.json   the golden disks' partition tables and ESPs, partition 2
#                of each a member of an md RAID1 (metadata 1.2) holding an ext4 root: the one-disk
#                install's root tree (golden-onedisk) plus mdadm and /etc/mdadm.conf; ESP 0 boots an
#                initramfs that assembles the array (build.sh's plus mdadm, md_mod and raid1)
# The array is created by the guest kernel's md driver and mdadm in one short boot (no firmware, the
# kernel straight from QEMU) with --assume-clean over the two zeroed partitions; the host then writes
# the ext4 image into the array's data area on both members (RAID1: the same bytes at the same offset).
# Usage: test/vm/build.sh && test/vm/build-md.sh   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${DUALROOT_VM_CACHE:-$here/cache}
golden=$cache/golden
out=$cache/golden-md
export MTOOLS_SKIP_CHECK=1

# Fixed identities, like build.sh's: the array (mdadm's UUID notation) and the ext4 root on it.
readonly ARRAY_UUID=d0a1ab0d:5a1a0000:0000004d:00000001 ARRAY_NAME=root
readonly MD_FSUUID=b7f0c0de-0000-4000-8000-0000000e4f5d
readonly DISK_MIB=2048

die() { echo "build-md.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (loop devices)"
for tool in apt-get dpkg mkfs.ext4 mcopy sfdisk losetup qemu-system-x86_64 cpio zstd timeout; do
  command -v "$tool" >/dev/null || die "missing $tool: install the packages listed in docs/uefi-lab.md"
done
[[ -f $golden/lab.json && -f $cache/golden-onedisk/disk0.img && -f $cache/initramfs-gen1.img ]] ||
  die "run test/vm/build.sh first ($golden or $cache/golden-onedisk is missing)"
kdeb=$(ls "$cache"/kernel/*.deb 2>/dev/null | head -1)
[[ -n $kdeb ]] || die "no kernel package in $cache/kernel (test/vm/build.sh fetches it)"

tmp=$(mktemp -d /tmp/dualroot-lab-md.XXXXXX)
loop=
mnt=$tmp/mnt
cleanup() {
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  if [[ -n $loop ]]; then
    btrfs device scan --forget "$loop" >/dev/null 2>&1 || true
    losetup -d "$loop" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$mnt"

# --- mdadm, as Debian builds it (its libraries, libudev and libc, are the host's: same release) ----
mdir=$cache/mdadm
if ! ls "$mdir"/mdadm_*.deb >/dev/null 2>&1; then
  rm -rf "$mdir" && mkdir -p "$mdir"
  (cd "$mdir" && apt-get download mdadm 2>&1 | grep -v 'unsandboxed' || true)
fi
mdeb=$(ls "$mdir"/mdadm_*.deb 2>/dev/null | head -1)
[[ -n $mdeb ]] || die "apt-get download mdadm fetched nothing into $mdir (apt-get update?)"
dpkg -x "$mdeb" "$tmp/mdadm"
mdadm=$tmp/mdadm/sbin/mdadm
[[ -x $mdadm ]] || die "$mdeb has no sbin/mdadm"
install_mdadm() { # tree: mdadm at /usr/sbin (or /sbin) with the libraries ldd names, at their paths
  local tree=$1 sbin=$2 lib dst
  install -D -m 0755 "$mdadm" "$tree$sbin/mdadm"
  for lib in $(ldd "$mdadm" | grep -o '/[^ ]*'); do
    dst=$tree$lib
    [[ -L $tree/lib ]] && dst=$tree$(sed -E 's#^/(lib|lib64)/#/usr/\1/#' <<<"$lib") # merged /usr
    [[ -e $dst ]] || install -D -m 0755 "$(realpath "$lib")" "$dst"
  done
}
conf="# dualroot lab: the md RAID1 root (as mdadm --detail --scan prints it)
ARRAY /dev/md/$ARRAY_NAME metadata=1.2 UUID=$ARRAY_UUID name=dualroot-lab:$ARRAY_NAME"

# --- the initramfs: build.sh's (same /init, same modules) plus md_mod, raid1, mdadm, mdadm.conf ------
dpkg -x "$kdeb" "$tmp/kernel"
init=$tmp/initramfs
mkdir -p "$init"
zstd -dcq "$cache/initramfs-gen1.img" | (cd "$init" && cpio -idm --quiet)
for m in md-mod raid1; do
  ko=$(find "$tmp/kernel/lib/modules" -name "$m.ko" | head -1)
  [[ -n $ko ]] || die "the kernel package has no $m.ko"
  cp "$ko" "$init/lib/modules/${m//-/_}.ko"
  echo "${m//-/_}" >>"$init/etc/modules"
done
install_mdadm "$init" /sbin
printf '%s\n' "$conf" >"$init/etc/mdadm.conf"
pack() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -3 -T0) >"$2"; }
pack "$init" "$tmp/initramfs-md.img"
# The one-off initramfs that creates the array: the same, with md-create as /init.
install -m 0755 "$here/guest/md-create" "$init/init"
pack "$init" "$tmp/md-create.img"

# --- the disks: golden's partition tables and ESPs, partition 2 zeroed ------------------------------
rm -rf "$out" && mkdir -p "$out"
esp_off=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).espOffsetBytes)' "$golden/lab.json")
for i in 0 1; do
  truncate -s ${DISK_MIB}M "$out/disk$i.img"
  sfdisk -q -d "$golden/disk$i.img" | sed '/^device:/d; s#^[^ ]*img[0-9]* : ##' | sfdisk -q "$out/disk$i.img"
  dd if="$golden/disk$i.img" of="$out/disk$i.img" bs=1M skip=$((esp_off >> 20)) seek=$((esp_off >> 20)) \
    count=256 conv=notrunc,sparse status=none
done

# --- the array, created in the guest -----------------------------------------------------------------
timeout 300 qemu-system-x86_64 -accel tcg -machine pc -cpu max -smp 2 -m 512 -display none -monitor none \
  -serial stdio -nic none -no-reboot -kernel "$cache/vmlinuz-gen1" -initrd "$tmp/md-create.img" \
  -append 'console=ttyS0,115200 panic=-1 loglevel=3' \
  -drive "file=$out/disk0.img,format=raw,if=virtio" -drive "file=$out/disk1.img,format=raw,if=virtio" \
  </dev/null >"$tmp/create.log" 2>&1 || true
line=$(grep -a -o '@@MD offset-sectors=[0-9]* size-sectors=[0-9]* offset-b=[0-9]*' "$tmp/create.log" | head -1) ||
  die "the guest did not create the array: $(tr -d '\r' <"$tmp/create.log" | tail -20)"
read -r offset size offset_b < <(sed -E 's/.*offset-sectors=([0-9]+) size-sectors=([0-9]+) offset-b=([0-9]+)/\1 \2 \3/' <<<"$line")
[[ $offset == "$offset_b" ]] || die "the members' data offsets differ ($offset, $offset_b sectors)"

# --- the root tree: the one-disk install's, with mdadm, mdadm.conf and an fstab for the md root -------
part2() { # image -> "offset size" in bytes of partition 2
  sfdisk -J "$1" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")).partitiontable;
    const p = t.partitions[1]; console.log(p.start * t.sectorsize, p.size * t.sectorsize);'
}
read -r off size1 < <(part2 "$cache/golden-onedisk/disk0.img")
loop=$(losetup -f --show -r -o "$off" --sizelimit "$size1" "$cache/golden-onedisk/disk0.img")
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o ro "$loop" "$mnt"
root=$tmp/root
mkdir -p "$root"
cp -a "$mnt"/. "$root"/
umount "$mnt"
btrfs device scan --forget "$loop" >/dev/null 2>&1 || true
losetup -d "$loop" && loop=
install_mdadm "$root" /usr/sbin
printf '%s\n' "$conf" >"$root/etc/mdadm.conf"
read -r -a esp < <(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).espPartuuids.join(" "))' "$golden/lab.json")
cat >"$root/etc/fstab" <<EOF
# dualroot lab scenario 9: ext4 root on an md RAID1 over both disks, one ESP per disk (docs/uefi-lab.md)
UUID=$MD_FSUUID  /      ext4   defaults        0 1
PARTUUID=${esp[0]}  /efi0  vfat  defaults,nofail  0 2
PARTUUID=${esp[1]}  /efi1  vfat  defaults,nofail  0 2
EOF
mkfs.ext4 -q -F -L lab-root -U "$MD_FSUUID" -d "$root" "$tmp/root.ext4" "$((size / 2))k"
for i in 0 1; do
  read -r off _ < <(part2 "$out/disk$i.img")
  dd if="$tmp/root.ext4" of="$out/disk$i.img" bs=1M seek=$((off + offset * 512)) oflag=seek_bytes \
    conv=notrunc,sparse status=none
done

# --- ESP 0 boots the md initramfs with the ext4 root ---------------------------------------------------
mcopy -o -i "$out/disk0.img@@$esp_off" "$tmp/initramfs-md.img" ::/initramfs-linux.img
mcopy -n -i "$out/disk0.img@@$esp_off" ::/loader/entries/arch.conf "$tmp/arch.conf"
sed -i "s/root=UUID=[^ ]*/root=UUID=$MD_FSUUID/" "$tmp/arch.conf"
mcopy -o -i "$out/disk0.img@@$esp_off" "$tmp/arch.conf" ::/loader/entries/arch.conf
node -e '
  const fs = require("fs");
  const info = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  Object.assign(info, { rootFsUuid: process.argv[2], mdArrayUuid: process.argv[3], mdDataOffsetSectors: Number(process.argv[4]) });
  fs.writeFileSync(process.argv[5], `${JSON.stringify(info, null, 2)}\n`);' \
  "$golden/lab.json" "$MD_FSUUID" "$ARRAY_UUID" "$offset" "$out/lab.json"
echo "build-md.sh: md lab disks ready in $out (array $ARRAY_UUID, data at sector $offset of each member, $((size / 2048)) MiB)"
