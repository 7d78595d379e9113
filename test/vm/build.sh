#!/bin/bash
# Builds everything the UEFI lab boots, under test/vm/cache/ (git-ignored; DUALROOT_VM_CACHE moves it):
#   kernel/*.deb   a Debian cloud kernel, fetched with apt-get download, unpacked to a temporary dir each run
#   vmlinuz-gen{1,2}, initramfs-gen{1,2}.img   the kernel and a busybox initramfs with the modules the
#                  btrfs root needs; gen2 differs only by a marker (scenario 2's "kernel upgrade")
#   golden/disk{0,1}.img   two GPT disks: ESP (FAT32) + one half of a btrfs RAID1 root
#   golden-onedisk/disk{0,1}.img   disk 0 alone, its root a single-device btrfs and its fstab naming /efi0
#                  only, and a blank second disk (scenario 6)
# Downloads are reused; the root tree (temporary) and the disks are rebuilt every run (a few seconds),
# so they always carry the current dist/.
# Usage: test/vm/build.sh   (as root; needs the packages listed in docs/uefi-lab.md)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${DUALROOT_VM_CACHE:-$here/cache}
export MTOOLS_SKIP_CHECK=1

# Fixed identities, so the test knows every GUID without asking the guest. ESP PARTUUIDs are the ones
# of the efivars fixtures (test/fixtures/efivars), captured from this same lab layout.
readonly DISK_GUID=(8a1c3b2e-0000-4000-8000-00000000d150 8a1c3b2e-0000-4000-8000-00000000d151)
readonly ESP_PARTUUID=(2501309a-e669-42ad-82ce-06032008c705 dcd286f4-1c96-40ba-ac93-e4e3e0665751)
readonly ROOT_PARTUUID=(6c1a2f0e-0000-4000-8000-0000000a0700 6c1a2f0e-0000-4000-8000-0000000a0701)
readonly ESP_VOLID=(E5B00000 E5B00001)
readonly ROOT_FSUUID=b7f0c0de-0000-4000-8000-00000000b7f5
readonly ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
readonly LINUX_TYPE=0FC63DAF-8483-4772-8E79-3D69D8477DE4
readonly DISK_MIB=2048 ESP_START_MIB=1 ESP_MIB=256
readonly SD_BOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
readonly BUSYBOX=/bin/busybox

die() { echo "build.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (it uses loop devices to fill the btrfs root)"
for tool in apt-get dpkg dpkg-query mkfs.fat mcopy mmd sfdisk mkfs.btrfs losetup qemu-system-x86_64 cpio zstd; do
  command -v "$tool" >/dev/null || die "missing $tool: install the packages listed in docs/uefi-lab.md"
done
[[ -f $SD_BOOT ]] || die "missing $SD_BOOT: apt-get install systemd-boot-efi"
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
file_is_static "$BUSYBOX" || die "$BUSYBOX is not statically linked: apt-get install busybox-static"
[[ -f $repo/dist/dualroot-esp/index.js ]] || die "dist/ is missing: run npm run build first"

mkdir -p "$cache"

# --- kernel -------------------------------------------------------------------------------------
# Only the .deb is cached: thousands of unpacked module files inside the repository would swell every
# tool that globs it (tap's coverage exclusion list overflowed the environment). Unpacking takes ~1 s.
kdir=$cache/kernel
tmp=$(mktemp -d /tmp/dualroot-lab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! ls "$kdir"/*.deb >/dev/null 2>&1; then
  rm -rf "$kdir" && mkdir -p "$kdir"
  # The metapackage names the current ABI's image package; fetch that one.
  pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
  [[ -n $pkg ]] || die "apt-cache depends linux-image-cloud-amd64 named no kernel package (apt-get update?)"
  (cd "$kdir" && apt-get download "$pkg" 2>&1 | grep -v 'unsandboxed' || true)
fi
rm -rf "$kdir/root" "$kdir/done" # unpacked trees of older versions of this script
deb=$(ls "$kdir"/*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || die "apt-get download of the kernel fetched nothing into $kdir"
dpkg -x "$deb" "$tmp/kernel"
kver=$(ls "$tmp/kernel/lib/modules" | head -1)
vmlinuz=$tmp/kernel/boot/vmlinuz-$kver
moddir=$tmp/kernel/lib/modules/$kver

# --- bootctl ------------------------------------------------------------------------------------
# Scenario 4 installs the boot loader on a replacement disk with bootctl, as the docs tell an admin to.
# Debian ships it in systemd-boot, whose maintainer scripts touch the host's ESP: fetch the .deb of
# the installed libsystemd-shared's version (bootctl links it) and unpack it, never install it.
bdir=$cache/systemd-boot
sd_version=$(dpkg-query -W -f='${Version}' libsystemd-shared 2>/dev/null) ||
  die "libsystemd-shared is not installed (apt-get install systemd)"
if ! ls "$bdir"/systemd-boot_"${sd_version//:/%3a}"_*.deb >/dev/null 2>&1; then
  rm -rf "$bdir" && mkdir -p "$bdir"
  (cd "$bdir" && apt-get download "systemd-boot=$sd_version" 2>&1 | grep -v 'unsandboxed' || true)
fi
bdeb=$(ls "$bdir"/*.deb 2>/dev/null | head -1)
[[ -n $bdeb ]] || die "apt-get download systemd-boot=$sd_version fetched nothing into $bdir (apt-get update?)"
dpkg -x "$bdeb" "$tmp/systemd-boot"
bootctl=$tmp/systemd-boot/usr/bin/bootctl
[[ -x $bootctl ]] || die "$bdeb has no usr/bin/bootctl"

# Modules the lab needs, dependencies first (resolved from each .ko's modinfo "depends=", no kmod needed).
declare -A modpath=() seen=()
while IFS= read -r f; do n=$(basename "$f" .ko); modpath[${n//-/_}]=$f; done < <(find "$moddir" -name '*.ko')
ordered=()
add_module() {
  local name=${1//-/_} dep
  [[ -n ${seen[$name]:-} ]] && return 0
  seen[$name]=1
  [[ -n ${modpath[$name]:-} ]] || return 0 # built into the kernel
  for dep in $(grep -a -o 'depends=[^[:cntrl:]]*' "${modpath[$name]}" | head -1 | sed 's/^depends=//; s/,/ /g'); do
    add_module "$dep"
  done
  ordered+=("$name")
}
# dm_mod (its built-in linear and error targets) and dm_flakey: the fault scenarios (faults.test.ts) put
# an ESP's disk behind a table that can start failing writes; loaded here, they stay after switch_root.
for m in virtio_pci virtio_blk crc32c_generic crc32c_intel btrfs vfat nls_cp437 nls_ascii nls_iso8859_1 nls_utf8 efivarfs qemu_fw_cfg dm_mod dm_flakey dm_zero loop; do add_module "$m"; done

# --- initramfs (a stand-in for mkinitcpio's: mounts the btrfs root, degraded if a disk is gone) ----
build_initramfs() { # generation output
  local gen=$1 out=$2 dir
  dir=$(mktemp -d)
  mkdir -p "$dir"/{bin,dev,proc,sys,newroot,etc,lib/modules}
  cp "$BUSYBOX" "$dir/bin/busybox"
  ln -s busybox "$dir/bin/sh"
  for m in "${ordered[@]}"; do cp "${modpath[$m]}" "$dir/lib/modules/$m.ko"; done
  printf '%s\n' "${ordered[@]}" >"$dir/etc/modules"
  echo "$gen" >"$dir/etc/generation"
  install -m 0755 "$here/guest/initramfs-init" "$dir/init"
  (cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -3 -T0) >"$out"
  rm -rf "$dir"
}
build_initramfs 1 "$cache/initramfs-gen1.img"
build_initramfs 2 "$cache/initramfs-gen2.img"
cp "$vmlinuz" "$cache/vmlinuz-gen1"
# The "new kernel": same code, different bytes (trailing data after a PE image is ignored by the loader),
# so a sync that misses it is visible by content.
{ cat "$vmlinuz"; printf 'DUALROOT-LAB-KERNEL-GENERATION-2\n'; } >"$cache/vmlinuz-gen2"

# --- root tree ------------------------------------------------------------------------------------
rm -rf "$cache/root" # older versions of this script kept the tree here
root=$tmp/root
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc,proc,sys,dev,run,tmp,boot,efi0,efi1,mnt,root,var/tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp" "$root/var/tmp"

copy_file() { # absolute host path -> same path in the root tree (merged /usr like Debian and Arch)
  local src=$1 dst
  dst=$root$(realpath -s "$src" | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#')
  [[ -e $dst ]] && return 0
  install -D -m 0755 "$(realpath "$src")" "$dst"
}
copy_binary() { # a program and every shared library ldd says it loads
  local bin lib
  bin=$(command -v "$1") || die "missing host program $1 (see docs/uefi-lab.md for the packages)"
  copy_file "$bin"
  for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do copy_file "$lib"; done
}
# The tools dualroot and the scenarios call, and node to run dualroot.
# dualroot-disk's own: wipefs (is the new disk blank?) and partx (the kernel sees its partitions).
for b in node rsync blkid mount umount findmnt lsblk flock sfdisk ionice nice sync efibootmgr \
  mkfs.fat fsck.fat btrfs sha256sum cmp dmsetup losetup blockdev fallocate wipefs partx; do
  copy_binary "$b"
done
# bootctl (unpacked above) and the boot loader it installs, where Arch and Debian keep it.
install -D -m 0755 "$bootctl" "$root/usr/bin/bootctl"
for lib in $(ldd "$bootctl" | grep -o '/[^ ]*'); do copy_file "$lib"; done
install -D -m 0644 "$SD_BOOT" "$root$SD_BOOT"
cp "$BUSYBOX" "$root/usr/bin/busybox"
# Busybox fills in everything else (sh, cat, poweroff, ...), never shadowing a real tool.
for applet in $("$BUSYBOX" --list-full); do
  [[ -e $root/$applet || -L $root/$applet ]] || ln -s /usr/bin/busybox "$root/$applet"
done
ln -sf /proc/self/mounts "$root/etc/mtab"

# The dualroot programs exactly as built (ncc bundles), on PATH like the package installs them.
mkdir -p "$root/usr/lib/dualroot"
for prog in "$repo"/dist/*/; do
  [[ -f $prog/index.js ]] || continue # dist/completions: the shells' scripts, not a program
  name=$(basename "$prog")
  cp -r "$prog" "$root/usr/lib/dualroot/$name"
  ln -s "/usr/lib/dualroot/$name/index.js" "$root/usr/bin/$name"
done
mkdir -p "$root/usr/lib/lab/payload"
install -m 0755 "$here/guest/lab-init" "$root/sbin/lab-init"
install -m 0644 "$here/guest/lab-lib.sh" "$root/usr/lib/lab/lab-lib.sh"
# What the scenario "upgrade" installs into /boot.
cp "$cache/vmlinuz-gen2" "$root/usr/lib/lab/payload/vmlinuz-linux"
cp "$cache/initramfs-gen2.img" "$root/usr/lib/lab/payload/initramfs-linux.img"
# The lab's own record of the disks (the guest reports it; the test never trusts it over blkid).
cat >"$root/etc/fstab" <<EOF
# dualroot lab: btrfs RAID1 root over both disks, one ESP per disk (docs/uefi-lab.md)
UUID=$ROOT_FSUUID  /      btrfs  defaults        0 0
PARTUUID=${ESP_PARTUUID[0]}  /efi0  vfat  defaults,nofail  0 2
PARTUUID=${ESP_PARTUUID[1]}  /efi1  vfat  defaults,nofail  0 2
EOF
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
echo dualroot-lab >"$root/etc/hostname"
# bootctl names the entry directory after the machine ID, as on an installed system.
echo 5a1ab0000000400080000000000d0a15 >"$root/etc/machine-id"

# --- ESPs -----------------------------------------------------------------------------------------
# ESP 0 as after installing Arch with systemd-boot; ESP 1 as after only `bootctl install` on disk 1,
# plus a stale file, so the first sync has something to copy and something to delete.
espdir=$tmp/esp
mkdir -p "$espdir"
make_loader_tree() { # dir
  mkdir -p "$1/EFI/BOOT" "$1/EFI/systemd" "$1/loader/entries"
  cp "$SD_BOOT" "$1/EFI/BOOT/BOOTX64.EFI"
  cp "$SD_BOOT" "$1/EFI/systemd/systemd-bootx64.efi"
  printf 'default arch.conf\ntimeout 0\nconsole-mode keep\n' >"$1/loader/loader.conf"
}
make_loader_tree "$espdir/esp0"
cp "$cache/vmlinuz-gen1" "$espdir/esp0/vmlinuz-linux"
cp "$cache/initramfs-gen1.img" "$espdir/esp0/initramfs-linux.img"
cat >"$espdir/esp0/loader/entries/arch.conf" <<EOF
title   Arch Linux (dualroot lab)
linux   /vmlinuz-linux
initrd  /initramfs-linux.img
options root=UUID=$ROOT_FSUUID rw console=ttyS0,115200 quiet loglevel=1 panic=-1 init=/sbin/lab-init
EOF
make_loader_tree "$espdir/esp1"
echo "left over from an old install; the first sync must delete it" >"$espdir/esp1/stale.txt"

make_fat() { # source-dir image volid label
  rm -f "$2"
  mkfs.fat -C -F 32 -s 2 -i "$3" -n "$4" "$2" $((ESP_MIB * 1024)) >/dev/null
  mcopy -s -Q -m -i "$2" "$1"/* ::/
}

partition() { # image index: disk <index>'s GPT, its ESP and its root partition
  sfdisk -q "$1" <<EOF
label: gpt
label-id: ${DISK_GUID[$2]}
start=${ESP_START_MIB}MiB, size=${ESP_MIB}MiB, type=$ESP_TYPE, uuid=${ESP_PARTUUID[$2]}, name="EFI system partition"
type=$LINUX_TYPE, uuid=${ROOT_PARTUUID[$2]}, name="root$2"
EOF
}

mkdir -p "$cache/golden"
for i in 0 1; do
  img=$cache/golden/disk$i.img
  rm -f "$img"
  truncate -s ${DISK_MIB}M "$img"
  partition "$img" "$i"
  make_fat "$espdir/esp$i" "$espdir/esp$i.img" "${ESP_VOLID[$i]}" "ESP$i"
  dd if="$espdir/esp$i.img" of="$img" bs=1M seek=$ESP_START_MIB conv=notrunc,sparse status=none
done

# --- btrfs RAID1 root over partition 2 of both disks (the host kernel has btrfs, not vfat) ---------
part2() { # image -> "offset size" in bytes of partition 2
  sfdisk -J "$1" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")).partitiontable;
    const p = t.partitions[1]; console.log(p.start * t.sectorsize, p.size * t.sectorsize);'
}
loops=()
mnt=$(mktemp -d)
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$tmp" "$mnt"
}
trap cleanup EXIT
for i in 0 1; do
  read -r off size < <(part2 "$cache/golden/disk$i.img")
  loops+=("$(losetup -f --show -o "$off" --sizelimit "$size" "$cache/golden/disk$i.img")")
done
mkfs.btrfs -q -f -L lab-root -U "$ROOT_FSUUID" -d raid1 -m raid1 "${loops[@]}" >/dev/null
# Devices of an earlier build with the same fixed fsid, since detached, can still be registered: the
# mount then fails with EEXIST. Forget unmounted ones (a mounted file system is never affected).
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o "device=${loops[0]},device=${loops[1]}" "${loops[0]}" "$mnt"
cp -a "$root"/. "$mnt"/
sync -f "$mnt"
umount "$mnt"
for l in "${loops[@]}"; do losetup -d "$l"; done
loops=()

# --- the one-disk install (scenario 6): disk 0 alone, its root a single-device btrfs ----------------
# Disk 0's GUIDs, ESP and root filesystem UUID (lab.json's disk 0 describes it too); fstab names the one
# ESP only. Disk 1 is blank (a sparse file): the disk dualroot-disk adds.
one=$cache/golden-onedisk
mkdir -p "$one"
rm -f "$one/disk0.img" "$one/disk1.img"
truncate -s ${DISK_MIB}M "$one/disk0.img" "$one/disk1.img"
partition "$one/disk0.img" 0
dd if="$espdir/esp0.img" of="$one/disk0.img" bs=1M seek=$ESP_START_MIB conv=notrunc,sparse status=none
read -r off size < <(part2 "$one/disk0.img")
loops+=("$(losetup -f --show -o "$off" --sizelimit "$size" "$one/disk0.img")")
mkfs.btrfs -q -f -L lab-root -U "$ROOT_FSUUID" "${loops[0]}" >/dev/null
# The RAID1 build above registered the same fsid: forget it, or this mount fails with EEXIST.
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o "device=${loops[0]}" "${loops[0]}" "$mnt"
cp -a "$root"/. "$mnt"/
cat >"$mnt/etc/fstab" <<EOF
# dualroot lab, one-disk install: single-device btrfs root, one ESP (docs/uefi-lab.md)
UUID=$ROOT_FSUUID  /      btrfs  defaults        0 0
PARTUUID=${ESP_PARTUUID[0]}  /efi0  vfat  defaults,nofail  0 2
EOF
sync -f "$mnt"
umount "$mnt"
btrfs device scan --forget "${loops[0]}" >/dev/null 2>&1 || true
losetup -d "${loops[0]}"
loops=()

# What the test needs to know, in one place.
cat >"$cache/golden/lab.json" <<EOF
{
  "kernelVersion": "$kver",
  "diskGuids": ["${DISK_GUID[0]}", "${DISK_GUID[1]}"],
  "espPartuuids": ["${ESP_PARTUUID[0]}", "${ESP_PARTUUID[1]}"],
  "rootPartuuids": ["${ROOT_PARTUUID[0]}", "${ROOT_PARTUUID[1]}"],
  "rootFsUuid": "$ROOT_FSUUID",
  "espOffsetBytes": $((ESP_START_MIB * 1024 * 1024)),
  "modules": "$(echo "${ordered[*]}")"
}
EOF
echo "build.sh: lab images ready in $cache/golden and $one (kernel $kver)"
