// The reproducer of each known bug as a POSIX sh script a maintainer runs in any VM with a dax region: no
// harness, only sysfs, procfs and /dev. Each finds its region and devices itself (repro-lib.sh), does the
// shortest sequence that shows the bug, and ends in one line: REPRODUCED (exit 1), NOT REPRODUCED (exit 0),
// or CANNOT TEST (exit 125, as git bisect skips). A known row without a template gets a replay of its
// recipe (repro-sh.ts).

export interface ReproTemplate {
  /** The built-in topology whose VM (vm.txt) the script is written for: booted movable where it must offline kmem memory. */
  topology: string;
  /** What the kernel needs beyond the harness's config (e.g. failslab), said in the header. */
  needs?: string;
  /** What the script does, in a sentence or two, for its header. */
  does: string;
  body: string;
}

export const REPRO_TEMPLATES: Readonly<Record<string, ReproTemplate>> = {
  'mapping-misaligned-length-succeeds': {
    topology: 'hmem+movable',
    does: 'Writes a 1 MiB range (not a multiple of the device align, 2 MiB or more) to the mapping file of an empty device: intended ENXIO; affected kernels return success and allocate nothing.',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((2 * MiB)))
s=$(start_of "$d")
wr "$BUS/devices/$d/size" 0 || cannot "shrink $d: $ERR"
range="$(hex "$s")-$(hex $((s + MiB - 1)))"
wr "$BUS/devices/$d/mapping" "$range"
got=$ERR size=$(size_of "$d")
dispose "$R" "$d"
case $got in
  OK) [ "$size" = 0 ] && reproduced "mapping $range (1 MiB) on $d returned success and allocated nothing (size 0); expected ENXIO" ;;
  ENXIO) not_reproduced "mapping $range (1 MiB) on $d: ENXIO, as intended" ;;
esac
cannot "mapping $range on $d: $got, size $size"`,
  },
  'mapping-on-bound-device': {
    topology: 'hmem+movable',
    does: 'Binds a 2 MiB device to device_dax, then writes a free 2 MiB range to its mapping file: intended EBUSY, as size and align answer a bound device; affected kernels grow the device under the driver.',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((4 * MiB)))
s=$(start_of "$d")
wr "$BUS/devices/$d/size" $((2 * MiB)) || cannot "shrink $d to 2 MiB: $ERR"
bind_device_dax "$d"
wr "$BUS/devices/$d/size" $((4 * MiB)); sized=$ERR
range="$(hex $((s + 2 * MiB)))-$(hex $((s + 4 * MiB - 1)))"
wr "$BUS/devices/$d/mapping" "$range"
got=$ERR size=$(size_of "$d")
dispose "$R" "$d"
case $got in
  OK) [ "$size" = $((4 * MiB)) ] && reproduced "mapping $range on $d while device_dax is bound returned success and grew it to 4 MiB; size on the same bound device answers $sized" ;;
  EBUSY) not_reproduced "mapping on $d while device_dax is bound: EBUSY, as size answers ($sized)" ;;
esac
cannot "mapping $range on bound $d: $got, size $size"`,
  },
  'device-dax-probe-keeps-stale-pgmap': {
    topology: 'hmem+movable',
    does: 'Gives a device a range 1 MiB off a 2 MiB boundary, whose device_dax probe fails (memremap_pages: "Misaligned __add_pages"), then a clean 2 MiB range and binds again: intended success; affected kernels answer EINVAL for ever ("dynamic-dax with pre-populated page map").',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((4 * MiB)))
s=$(start_of "$d")
wr "$BUS/devices/$d/size" 0 || cannot "shrink $d: $ERR"
wr "$BUS/devices/$d/mapping" "$(hex $((s + MiB)))-$(hex $((s + 3 * MiB - 1)))" || cannot "mapping at an odd MiB on $d: $ERR"
wr "$BUS/drivers/device_dax/new_id" "$d" || [ "$ERR" = EEXIST ] || cannot "device_dax/new_id $d: $ERR"
[ -z "$(driver_of "$d")" ] || cannot "device_dax bound $d with a misaligned range; the first probe must fail"
wr "$BUS/devices/$d/size" 0 || cannot "shrink $d: $ERR"
wr "$BUS/devices/$d/mapping" "$(hex "$s")-$(hex $((s + 2 * MiB - 1)))" || cannot "clean mapping on $d: $ERR"
wr "$BUS/drivers/device_dax/bind" "$d"
got=$ERR
dispose "$R" "$d"
case $got in
  EINVAL) reproduced "a clean 2 MiB range on $d does not bind after one failed device_dax probe: EINVAL" ;;
  OK) not_reproduced "$d binds its clean range after a failed probe" ;;
esac
cannot "bind $d after a failed probe: $got"`,
  },
  'dev-dax-probe-wipes-open-cdev': {
    topology: 'hmem+movable',
    does: 'Holds /dev/daxX.Y open across a device_dax unbind and bind, closes it, then opens it again and unbinds: intended, it opens and nothing is reported; affected kernels answer the open with ENXIO and print "refcount_t: underflow; use-after-free" at the unbind.',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((2 * MiB)))
bind_device_dax "$d"
[ -c "/dev/$d" ] || cannot "no /dev/$d after binding device_dax"
mark=$(log_mark)
exec 3<"/dev/$d" || cannot "open /dev/$d"
wr "$BUS/drivers/device_dax/unbind" "$d" || cannot "unbind $d: $ERR"
wr "$BUS/drivers/device_dax/bind" "$d" || cannot "rebind $d: $ERR"
exec 3<&-
if (exec 4<"/dev/$d") 2>/dev/null; then opened=yes; else opened=no; fi
wr "$BUS/drivers/device_dax/unbind" "$d" || true
sleep 1
splat=$(log_since "$mark" | grep -m1 'refcount_t: underflow' || true)
# No cleanup: on an affected kernel the device is left broken (a delete of it was seen never to return).
if [ "$opened" = no ] || [ -n "$splat" ]; then
  log_since "$mark" | tail -n 80
  reproduced "after an unbind and bind with /dev/$d open: reopen $( [ $opened = no ] && echo 'failed (ENXIO)' || echo 'worked'); unbind: \${splat:-no report}"
fi
dispose "$R" "$d"
not_reproduced "/dev/$d reopens after the rebind and the unbind reports nothing"`,
  },
  'create-takes-id-of-racing-delete': {
    topology: 'hmem+movable',
    does: 'Races a create with the delete of the device it would take the id of, for DURATION seconds (default 60): intended, the create waits or takes another id; affected kernels answer EEXIST with "sysfs: cannot create duplicate filename".',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((2 * MiB)))
wr "$BUS/devices/$d/size" 0 || cannot "shrink $d: $ERR"
mark=$(log_mark) n=0 end=$(($(date +%s) + \${DURATION:-60})) flag=/tmp/daxh-repro-eexist.$$
rm -f "$flag"
while [ "$(date +%s)" -lt "$end" ]; do
  wr "$R/create" 1 || cannot "create: $ERR"
  v=$(cat "$R/seed")
  { wr "$R/delete" "$v"; } &
  { wr "$R/create" 1; [ "$ERR" = EEXIST ] && echo "$v" > "$flag"; } &
  wait
  n=$((n + 1))
  dup=$(log_since "$mark" | grep -m1 'cannot create duplicate filename' || true)
  if [ -s "$flag" ] || [ -n "$dup" ]; then
    rm -f "$flag"
    log_since "$mark" | tail -n 80
    reproduced "race $n: a create racing the delete of $v answered EEXIST: \${dup:-(no sysfs warning)}"
  fi
  for x in $(devices_of "$R"); do [ "$x" != "$d" ] && [ "$(size_of "$x")" = 0 ] && [ -z "$(driver_of "$x")" ] && wr "$R/delete" "$x"; done
done
dispose "$R" "$d"
not_reproduced "$n races of create against delete, no duplicate"`,
  },
  'size-checks-align-before-locking': {
    topology: 'hmem+movable',
    does: 'Races a write of align 1 GiB against a shrink to 128 MiB on a 1 GiB device of align 2 MiB, for DURATION seconds (default 60): intended, one of them fails EINVAL whichever comes first; affected kernels let both succeed and leave 128 MiB under a 1 GiB align.',
    body: `R=$(dyn_region)
d=$(fresh "$R" $((1024 * MiB)))
s=$(start_of "$d")
[ $((s % (1024 * MiB))) = 0 ] || cannot "$d starts at $(hex "$s"), not on a 1 GiB boundary: the 1 GiB align needs one"
n=0 end=$(($(date +%s) + \${DURATION:-60}))
while [ "$(date +%s)" -lt "$end" ]; do
  wr "$BUS/devices/$d/align" $((2 * MiB)) || cannot "align 2 MiB on $d: $ERR"
  [ "$(size_of "$d")" = $((1024 * MiB)) ] || wr "$BUS/devices/$d/size" $((1024 * MiB)) || cannot "size 1 GiB on $d: $ERR"
  { wr "$BUS/devices/$d/align" $((1024 * MiB)); } &
  { wr "$BUS/devices/$d/size" $((128 * MiB)); } &
  wait
  n=$((n + 1))
  size=$(size_of "$d") align=$(cat "$BUS/devices/$d/align")
  if [ $((size % align)) != 0 ]; then
    dispose "$R" "$d"
    reproduced "race $n: align 1 GiB and size 128 MiB both succeeded; $d has size $(hex "$size") under align $(hex "$align")"
  fi
done
dispose "$R" "$d"
not_reproduced "$n races of align against a shrink, every end state aligned"`,
  },
  'delete-drains-under-dax-region-rwsem': {
    topology: 'hmem+movable',
    does: "Deletes a device while another process writes its align in a loop, for DURATION seconds (default 60): intended, the writer gets ENODEV or ENOENT and the delete returns; affected kernels deadlock the dax bus (the VM's dax bus stays stuck: reboot it after).",
    body: `R=$(dyn_region)
d=$(fresh "$R" $((2 * MiB)))
wr "$BUS/devices/$d/size" 0 || cannot "shrink $d: $ERR"
n=0 end=$(($(date +%s) + \${DURATION:-60}))
while [ "$(date +%s)" -lt "$end" ]; do
  wr "$R/create" 1 || cannot "create: $ERR"
  v=$(cat "$R/seed")
  ( while wr "$BUS/devices/$v/align" 4096 || [ "$ERR" = EINVAL ]; do :; done ) & writer=$!
  { wr "$R/delete" "$v"; } & deleter=$!
  if hangs "$deleter" 40; then reproduced "race $n: the delete of $v and a write of its align blocked each other for 40 s (stacks above)"; fi
  wait "$writer" 2>/dev/null
  n=$((n + 1))
done
dispose "$R" "$d"
not_reproduced "$n deletes raced a writer of align without a hang"`,
  },
  'shrink-drains-mapping-under-region-lock': {
    topology: 'hmem+movable',
    does: "Shrinks a device to 0 while another process reads its mapping0/start in a loop, for DURATION seconds (default 60): intended, the reader gets ENODEV or ENOENT and the shrink returns; affected kernels deadlock the dax bus (reboot the VM after).",
    body: `R=$(dyn_region)
d=$(fresh "$R" $((2 * MiB)))
n=0 end=$(($(date +%s) + \${DURATION:-60}))
while [ "$(date +%s)" -lt "$end" ]; do
  wr "$BUS/devices/$d/size" $((2 * MiB)) || cannot "size $d: $ERR"
  ( while cat "$BUS/devices/$d/mapping0/start" >/dev/null 2>&1; do :; done ) & reader=$!
  { wr "$BUS/devices/$d/size" 0; } & shrink=$!
  if hangs "$shrink" 40; then reproduced "race $n: shrinking $d and a read of its mapping0/start blocked each other for 40 s (stacks above)"; fi
  kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
  n=$((n + 1))
done
dispose "$R" "$d"
not_reproduced "$n shrinks raced a reader of mapping0/start without a hang"`,
  },
};
