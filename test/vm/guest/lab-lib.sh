# Helpers for scenario steps (sourced by lab-init). Everything the test asserts is printed as one
# console line starting with @@, so kernel messages between lines never corrupt a result.

# result NAME VALUE: a named value.
result() { echo "@@RESULT $1=$2"; }

# run NAME COMMAND...: runs a command, prints its exit code and base64 stdout/stderr on one line
# (and readable copies for whoever reads the log).
run() {
  _name=$1
  shift
  "$@" >/tmp/run.out 2>/tmp/run.err
  _rc=$?
  sed "s/^/[$_name] /" /tmp/run.out /tmp/run.err
  echo "@@RUN $_name exit=$_rc stdout=$(base64 -w0 </tmp/run.out) stderr=$(base64 -w0 </tmp/run.err)"
  return 0
}

# tree_sum DIR: one sha256 over every file's relative path and content (the "identical" check).
tree_sum() {
  # An unmounted ESP directory is empty on the root: never let two of those compare equal.
  [ -n "$(mounted_source "$1")" ] || { echo "not-a-mount:$1"; return; }
  (cd "$1" && find . -type f ! -path ./loader/random-seed | LC_ALL=C sort | while read -r f; do
    echo "$f $(sha256sum "$f" | cut -d' ' -f1)"
  done) | sha256sum | cut -d' ' -f1
}

# mounted_source MOUNTPOINT: "major:minor root" of what is mounted there (from mountinfo).
mounted_source() { awk -v m="$1" '$5 == m {print $3, $4}' /proc/self/mountinfo | tail -1; }

# disk_of PARTUUID: the whole-disk device holding that partition (e.g. /dev/vdb).
disk_of() {
  _part=$(basename "$(readlink "/dev/disk/by-partuuid/$1")")
  echo "/dev/$(basename "$(dirname "$(readlink -f "/sys/class/block/$_part")")")"
}

# Busybox's sh runs its applets before PATH: make the util-linux tools the ones steps get.
mount() { /usr/bin/mount "$@"; }
umount() { /usr/bin/umount "$@"; }
# Busybox's losetup has no --show or --direct-io: the util-linux one (copied by build.sh).
losetup() { /usr/sbin/losetup "$@"; }

# udev_standin: one pass of what udev does for block devices, for the ones the guest lacks: device
# nodes (devtmpfs makes them; mknod if not), /dev/block/MAJ:MIN, /dev/disk/by-partuuid, by-uuid.
# It only adds and repoints links (never removes them first), so a program reading them never sees none.
udev_standin() {
  mkdir -p /dev/disk/by-partuuid /dev/disk/by-uuid /dev/block
  # Devices held by a stacked one (dm, md) first, so a device stacked on them that shows the same
  # PARTUUID (scenario 8's loop over dm) gets the link, as udev's link priorities give multipath.
  for _pass in held free; do
    for _p in /sys/class/block/*; do
      _dev=$(basename "$_p")
      if [ -n "$(ls "$_p/holders" 2>/dev/null)" ]; then _kind=held; else _kind=free; fi
      [ "$_kind" = "$_pass" ] || continue
      _mm=$(cat "$_p/dev")
      [ -b "/dev/$_dev" ] || mknod "/dev/$_dev" b "${_mm%%:*}" "${_mm##*:}"
      ln -sfn "../$_dev" "/dev/block/$_mm"
      _partuuid=$(blkid -p -s PART_ENTRY_UUID -o value "/dev/$_dev" 2>/dev/null)
      _uuid=$(blkid -p -s UUID -o value "/dev/$_dev" 2>/dev/null)
      [ -n "$_partuuid" ] && ln -sfn "../../$_dev" "/dev/disk/by-partuuid/$_partuuid"
      [ -n "$_uuid" ] && ln -sfn "../../$_dev" "/dev/disk/by-uuid/$_uuid"
    done
  done
  return 0
}

# udev_standin_start / udev_standin_stop: udev_standin every half second in the background while a
# program partitions and formats (udev reacts to those uevents on a real system), and once more after.
udev_standin_start() {
  (while :; do udev_standin; sleep 0.5; done) &
  _udev_pid=$!
}
udev_standin_stop() {
  kill "$_udev_pid" 2>/dev/null
  wait "$_udev_pid" 2>/dev/null
  udev_standin
}

# No udev: dmsetup makes its /dev/mapper nodes itself and waits for no udev event.
export DM_DISABLE_UDEV=1

# dm_wrap PARTITION NAME: puts a partition behind a device-mapper table and presents it as a disk
# again, so dualroot still sees a GPT ESP partition (loopNp1, same PARTUUID): the table is the
# disk's first sectors (its primary GPT, copied into a file on a loop device) followed by the
# partition (linear: the same blocks). The other partitions of the disk (the mounted root half)
# stay out of it. A loop device with direct I/O scans that "disk"; prints the loop device.
dm_wrap() {
  _part=$(basename "$1")
  _disk=/dev/$(basename "$(dirname "$(readlink -f "/sys/class/block/$_part")")")
  _start=$(cat "/sys/class/block/$_part/start")
  dd if="$_disk" of="/tmp/$2-head.img" bs=512 count="$_start" 2>/dev/null || return 1
  _head=$(losetup -f --show "/tmp/$2-head.img") || return 1
  # The rest of the disk reads as zeros: the table is as long as the disk, so the primary GPT's
  # last usable LBA lies inside it and the kernel accepts the partition table (partitions appear).
  echo "$_head $_start $(blockdev --getsz "$1") $1 $(blockdev --getsz "$_disk")" >"/tmp/$2.dm"
  dm_table "$2" linear create || return 1
  losetup -f --show -P --direct-io=on "/dev/mapper/$2"
}

# dm_table NAME linear|error_writes [create]: (re)loads the partition's part of the table
# (error_writes: dm-flakey fails every write with EIO, reads still work, as a disk going bad often does).
dm_table() {
  read -r _head _start _size _part _disksz <"/tmp/$1.dm"
  case $2 in
    linear) _t="$_start $_size linear $_part 0" ;;
    error_writes) _t="$_start $_size flakey $_part 0 0 3600 1 error_writes" ;;
  esac
  _end=$((_start + _size))
  _table="0 $_start linear $_head 0
$_t
$_end $((_disksz - _end)) zero"
  if [ "$3" = create ]; then
    printf '%s\n' "$_table" | dmsetup create "$1"
  else
    dmsetup suspend --noflush "$1" && printf '%s\n' "$_table" | dmsetup load "$1" && dmsetup resume "$1"
  fi
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds; 1 on timeout.
wait_for() {
  _deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$_deadline" ] || return 1
    sleep 0.1
  done
}
