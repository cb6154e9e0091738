# --- dax-harness repro library: POSIX sh, needs only sysfs, procfs and /dev (dd, awk, dmesg) ---
set -u
BUS=/sys/bus/dax
cannot() { echo "CANNOT TEST: $*"; exit 125; }
reproduced() { echo "REPRODUCED: $*"; exit 1; }
not_reproduced() { echo "NOT REPRODUCED: $*"; exit 0; }
[ "$(id -u)" = 0 ] || cannot "run as root"
[ -d $BUS/devices ] || cannot "no $BUS (load dax and a dax region provider: modprobe -a dax_hmem device_dax kmem)"

# wr FILE VALUE: one write(2) of VALUE to FILE; ERR is the errno's name then, or OK.
wr() {
  if msg=$(printf '%s' "$2" | dd of="$1" bs=4096 2>&1 >/dev/null); then ERR=OK; return 0; fi
  case $msg in
    *'No such device or address'*) ERR=ENXIO ;;
    *'No such device'*) ERR=ENODEV ;;
    *'Invalid argument'*) ERR=EINVAL ;;
    *'Device or resource busy'*) ERR=EBUSY ;;
    *'No space left on device'*) ERR=ENOSPC ;;
    *'File exists'*) ERR=EEXIST ;;
    *'Cannot allocate memory'*) ERR=ENOMEM ;;
    *'No such file or directory'*) ERR=ENOENT ;;
    *'Interrupted system call'*) ERR=EINTR ;;
    *'Operation not supported'*) ERR=EOPNOTSUPP ;;
    *) ERR="error ($msg)" ;;
  esac
  return 1
}

# The dax_region directory of a device, and the first region with a `create` file (a dynamic one).
region_of() { echo "$(dirname "$(readlink -f "$BUS/devices/$1")")/dax_region"; }
dyn_region() {
  for d in "$BUS"/devices/dax*; do
    [ -e "$d" ] || continue
    r=$(region_of "$(basename "$d")")
    [ -e "$r/create" ] && { echo "$r"; return 0; }
  done
  cannot "no dynamic dax region (hmem or CXL RAM); boot the VM as vm.txt says"
}
devices_of() { for d in "$(dirname "$1")"/dax*.*; do [ -e "$d" ] && basename "$d"; done; }
driver_of() { [ -e "$BUS/devices/$1/driver" ] && basename "$(readlink -f "$BUS/devices/$1/driver")"; }
size_of() { cat "$BUS/devices/$1/size"; }

# Offlines the memory kmem hot-added from a device (the blocks of its "System RAM (kmem)" in /proc/iomem).
offline_kmem() {
  bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
  awk -v dev="$1" '
    { match($0, /^ */); depth = RLENGTH; name = $0; sub(/^[^:]*: /, "", name); split($1, r, "-") }
    inside && depth <= top { inside = 0 }
    name == dev { inside = 1; top = depth; next }
    inside && name == "System RAM (kmem)" { print r[1], r[2] }' /proc/iomem |
  while read -r s e; do
    b=$((0x$s / bs))
    while [ $b -le $((0x$e / bs)) ]; do
      f=/sys/devices/system/memory/memory$b/state
      if [ -e "$f" ] && [ "$(cat "$f")" = online ]; then
        i=0
        until wr "$f" offline; do
          i=$((i + 1)); [ $i -lt 5 ] || cannot "memory$b does not offline ($ERR); boot with memhp_default_state=online_movable as vm.txt says"
          sleep 1
        done
      fi
      b=$((b + 1))
    done
  done
}

# release DEV: leaves DEV unbound and of size 0 (kmem's memory offlined first, so nothing leaks).
release() {
  drv=$(driver_of "$1") || true
  if [ -n "$drv" ]; then
    [ "$drv" = kmem ] && offline_kmem "$1"
    wr "$BUS/drivers/$drv/unbind" "$1" || cannot "unbind $1 from $drv: $ERR"
  fi
  [ "$(size_of "$1")" = 0 ] || wr "$BUS/devices/$1/size" 0 || cannot "shrink $1 to 0: $ERR"
}

# fresh REGION SIZE: prints an unbound device of SIZE bytes in REGION, made with `create` (or the seed),
# releasing the region's other devices while it has too little room.
fresh() {
  for d in $(devices_of "$1"); do
    [ "$(cat "$1/available_size")" -ge "$2" ] && break
    release "$d"
  done
  [ "$(cat "$1/available_size")" -ge "$2" ] || cannot "region $1 has less than $2 bytes available"
  seed=$(cat "$1/seed")
  if [ -z "$seed" ] || [ -n "$(driver_of "$seed")" ] || [ "$(size_of "$seed")" != 0 ]; then
    wr "$1/create" 1 || cannot "create a device in $1: $ERR"
    seed=$(cat "$1/seed")
  fi
  [ "$2" = 0 ] || wr "$BUS/devices/$seed/size" "$2" || cannot "size $seed to $2: $ERR"
  echo "$seed"
}

# The first byte of a device's first range, and a hex value.
start_of() { echo $(($(cat "$BUS/devices/$1/mapping0/start"))); }
hex() { printf '0x%x' "$1"; }
MiB=1048576

# bind_device_dax DEV: device_dax takes DEV (new_id first: it matches dynamic devices only by id).
bind_device_dax() {
  wr "$BUS/drivers/device_dax/new_id" "$1" || [ "$ERR" = EEXIST ] || cannot "device_dax/new_id $1: $ERR"
  [ "$(driver_of "$1")" = device_dax ] || wr "$BUS/drivers/device_dax/bind" "$1" || cannot "bind $1 to device_dax: $ERR"
}

# dispose REGION DEV: best effort to leave no trace of DEV (unbound, its id removed, deleted); never fails.
dispose() {
  [ -e "$BUS/devices/$2" ] || return 0
  wr "$BUS/drivers/device_dax/remove_id" "$2" || true
  drv=$(driver_of "$2") || true
  [ -z "$drv" ] || [ "$drv" = kmem ] || wr "$BUS/drivers/$drv/unbind" "$2" || true
  [ "$(size_of "$2")" = 0 ] || wr "$BUS/devices/$2/size" 0 || true
  wr "$1/delete" "$2" || true
}

# The kernel log since MARK (a line count taken before).
log_mark() { dmesg | wc -l; }
log_since() { dmesg | tail -n +$(($1 + 1)); }

# hangs PID SECONDS: whether PID (a background sysfs write) is still running after SECONDS; then the
# blocked tasks' stacks go to the kernel log (sysrq w) and the end of it is printed. Waiting 40 s lets the
# hung-task detector report it too (hung_task_timeout_secs is set to 30 where it can be).
hangs() {
  [ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 30 > /proc/sys/kernel/hung_task_timeout_secs
  i=0
  while kill -0 "$1" 2>/dev/null; do
    [ $i -ge "$2" ] && { echo w > /proc/sysrq-trigger 2>/dev/null; sleep 1; dmesg | tail -n 150; return 0; }
    sleep 1; i=$((i + 1))
  done
  return 1
}
# --- end of library ---
