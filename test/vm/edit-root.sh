#!/bin/bash
# Runs a shell command on the btrfs RAID1 root of a lab machine's two disk images, mounted at $ROOT
# (the host has btrfs; the images are attached with loop devices and detached afterwards).
# Usage: test/vm/edit-root.sh disk0.img disk1.img 'sed -i ... "$ROOT/etc/fstab"'   (as root)
set -euo pipefail
[[ $# == 3 ]] || { echo "usage: $0 disk0.img disk1.img command" >&2; exit 2; }
loops=()
mnt=$(mktemp -d /tmp/dualroot-lab-edit.XXXXXX)
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  # Unregister the devices from btrfs before detaching them: a stale registration under the lab's
  # fixed fsid makes the next mount of that fsid (build.sh's, another run's) fail with EEXIST.
  for l in "${loops[@]}"; do
    btrfs device scan --forget "$l" >/dev/null 2>&1 || true
    losetup -d "$l" 2>/dev/null || true
  done
  rmdir "$mnt"
}
trap cleanup EXIT
for img in "$1" "$2"; do
  read -r off size < <(sfdisk -J "$img" | node -e '
    const t = JSON.parse(require("fs").readFileSync(0, "utf8")).partitiontable;
    const p = t.partitions[1]; console.log(p.start * t.sectorsize, p.size * t.sectorsize);')
  loops+=("$(losetup -f --show -o "$off" --sizelimit "$size" "$img")")
done
# Stale registrations of the same fsid (earlier, detached loops) make the mount fail with EEXIST.
btrfs device scan --forget >/dev/null 2>&1 || true
mount -t btrfs -o "device=${loops[0]},device=${loops[1]}" "${loops[0]}" "$mnt"
ROOT=$mnt bash -euo pipefail -c "$3"
sync -f "$mnt"
