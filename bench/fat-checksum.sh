#!/bin/bash
# What --checksum (ESP copies) and the dry-run preview cost on a 301 MB ESP-like tree between two
# ext4 loop filesystems, warm cache, nothing changed: 7 timed rsync runs each. Needs root:
#   unshare --mount --propagation private bash bench/fat-checksum.sh
set -e
d=$(mktemp -d); cd $d
truncate -s 800M a.img; truncate -s 800M b.img
mkfs.ext4 -q a.img; mkfs.ext4 -q b.img
mkdir s t; mount -o loop a.img s; mount -o loop b.img t
mkdir -p s/EFI/BOOT s/loader/entries
for k in linux linux-lts linux-zen; do head -c 15M /dev/urandom > s/vmlinuz-$k; head -c 40M /dev/urandom > s/initramfs-$k.img; head -c 45M /dev/urandom > s/initramfs-$k-fallback.img; echo "title $k" > s/loader/entries/$k.conf; done
head -c 100K /dev/urandom > s/EFI/BOOT/BOOTX64.EFI
du -sh s
base="--recursive --times --modify-window=1 --one-file-system --delete --delete-delay --delay-updates --itemize-changes --out-format=%i_%l_%n --stats"
rsync $base s/ t/ >/dev/null
sync
timed() { local best=999; local all=""; for i in 1 2 3 4 5 6 7; do s0=$(date +%s.%N); rsync "$@" s/ t/ >/dev/null; s1=$(date +%s.%N); all="$all $(echo "$s1 - $s0" | bc)"; done; echo "$all"; }
echo "unchanged, size+time (old):      $(timed $base)"
echo "unchanged, --checksum (new):     $(timed $base --checksum)"
echo "preview, --checksum -ii dry-run: $(timed $base --checksum --itemize-changes --dry-run)"
umount s t; cd /; rm -rf $d
