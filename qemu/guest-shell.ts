// busybox-sh fragments that find the kernel's names for topology objects inside the guest.
// The kernel numbers CXL memdevs, nd regions and dax regions in (asynchronous) probe order, from id pools
// shared by every provider, so a mixed guest cannot hard-code region0 or mem1. Provisioning looks names
// up by facts the topology fixes instead: a type-3 device's serial number, an nd bus's provider, and
// the address order in which QEMU places NVDIMMs, e820 ranges and CXL regions.

/** The provider name of an nd bus (/sys/bus/nd/devices/ndbusN/provider). */
export type NdBus = 'e820' | 'ACPI.NFIT' | 'CXL';

export type CxlPartition = 'ram' | 'pmem';

/** Expands to the memdev name (memN) whose serial is `sn`, or to nothing. */
export function cxlMemdevBySerial(sn: number): string {
  return `$(for c in /sys/bus/cxl/devices/mem*; do [ "$(($(cat $c/serial 2>/dev/null || echo -1)))" = ${sn} ] && echo \${c##*/}; done)`;
}

/** Expands to the name (regionN) of the rank-th (from 0) nd region on a `bus` bus, by physical address, or to nothing. */
export function ndRegionByRank(bus: NdBus, rank: number): string {
  return `$(for d in /sys/bus/nd/devices/region*; do [ "$(cat $d/../provider 2>/dev/null)" = ${bus} ] && echo "$(($(cat $d/resource))) \${d##*/}"; done | sort -n | sed -n ${rank + 1}p | cut -d' ' -f2)`;
}

/** Succeeds once at least `count` nd regions exist on `bus` buses. */
export function ndRegionsPresent(bus: NdBus, count: number): string {
  return `[ "$(for d in /sys/bus/nd/devices/region*; do cat $d/../provider 2>/dev/null; done | grep -cxF ${bus})" -ge ${count} ]`;
}

/**
 * Succeeds once the memdev with serial `sn` reports its capacity and its endpoint port has enumerated its
 * decoders: before that, cxl create-region fails with "unable to determine region size".
 */
export function cxlMemdevReady(sn: number, partition: CxlPartition): string {
  return [
    `{ m=${cxlMemdevBySerial(sn)}; [ -n "$m" ] && [ "$(($(cat /sys/bus/cxl/devices/$m/${partition}/size)))" -gt 0 ]`,
    `&& for e in /sys/bus/cxl/devices/endpoint*; do [ "$(basename "$(readlink $e/uport)")" = "$m" ] && ls -d $e/decoder* >/dev/null 2>&1 && echo ready; done | grep -q ready; }`,
  ].join(' ');
}

/**
 * Runs `command` with shell variables bound to looked-up names, and fails (instead of running it with an
 * empty argument, which cxl and ndctl would read as "any") when a name did not resolve.
 */
export function withNames(names: Readonly<Record<string, string>>, command: string): string {
  const vars = Object.keys(names);
  const bind = vars.map((v) => `${v}=${names[v]}`).join('; ');
  const check = vars.map((v) => `[ -n "$${v}" ]`).join(' && ');
  return `${bind}; ${check} && ${command}`;
}

/**
 * Succeeds once at least `count` dax devices whose region host is bound to `hostDriver` (under an nd bus of
 * provider `ndBus`, when given) exist and are fully set up: bound to a driver, with their mapping0 directory
 * when they have a size (registered after device_add, so a probe running asynchronously can bind first),
 * and, with `kmemState`, kmem's state file when kmem holds them (the driver's dev_groups come after probe).
 */
export function daxDevicesBound(hostDriver: string, ndBus: string | null, count: number, kmemState: boolean): string {
  const bus = ndBus === null ? '' : ` && [ "${NDBUS_PROVIDER_OF_H}" = '${ndBus}' ]`;
  const ready = [
    '[ -e "$d/driver" ]',
    '{ [ -e "$d/mapping0" ] || [ "$(cat "$d/size")" = 0 ]; }',
    ...(kmemState ? ['{ [ "$(basename "$(readlink "$d/driver")")" != kmem ] || [ -e "$d/state" ]; }'] : []),
  ].join(' && ');
  return `[ "$(for d in /sys/bus/dax/devices/*; do ${ready} || continue; h=$(dirname "$(realpath "$d")"); [ "${HOST_DRIVER_OF_H}" = '${hostDriver}' ]${bus} && echo; done | wc -l)" -ge ${count} ]`;
}

/** Expands to the driver bound to the device at $h (a dax region's host). */
export const HOST_DRIVER_OF_H = '$(basename "$(readlink "$h/driver")" 2>/dev/null)';
/** Expands to the provider of the nd bus above $h, or to nothing when $h is on no nd bus. */
export const NDBUS_PROVIDER_OF_H = '$(cat "$(echo "$h" | sed -n \'s|\\(.*/ndbus[0-9]*\\)/.*|\\1|p\')/provider" 2>/dev/null)';
