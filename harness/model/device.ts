// A dax device's attribute files (dev_dax_attributes and the mappingN directories in drivers/dax/bus.c).
import { DAX_ALIGNS } from '../abi/attributes.ts';
import { allocAligned, allocRange, resize } from './allocator.ts';
import { DEVICE_ATTRS, MAPPING_ATTRS, visibleMode } from '../abi/attributes.ts';
import { kmemStateFile } from './kmem.ts';
import type { DeviceAttr, MappingAttr } from './ops.ts';
import { kstrtobool, kstrtoull, parseMappingRange } from './parse.ts';
import { bugOn } from './bugs.ts';
import { memmapOnMemorySupported } from './profiles.ts';
import { type Device, type DevRange, type Region, type State, deviceSize, putDevice, rangeLength, regionOf } from './state.ts';
import { type Step, refuse, succeed, warned } from './step.ts';
import { type Attr, hexLine, line } from './sysfs.ts';

const U64_MASK = (1n << 64n) - 1n;

/** size_store: parse → misaligned value EINVAL → bound EBUSY → dev_dax_resize. */
function storeSize(s: State, r: Region, d: Device, input: string): Step {
  const v = kstrtoull(input, 0);
  if (!v.ok) return refuse(s, v.errno);
  if (!allocAligned(d, v.value)) return refuse(s, 'EINVAL');
  if (d.binding !== null) return refuse(s, 'EBUSY');
  const out = resize(s, r, d.name, v.value);
  return out.ok ? succeed(out.next) : refuse(s, out.errno);
}

/** align_store: any parse failure is ENXIO; the new align must divide every existing range length. */
function storeAlign(s: State, d: Device, input: string): Step {
  const v = kstrtoull(input, 0); // kstrtoul: unsigned long is 64-bit
  if (!v.ok) return refuse(s, 'ENXIO');
  if (!DAX_ALIGNS.includes(v.value)) return refuse(s, 'EINVAL');
  if (d.binding !== null) return refuse(s, 'EBUSY');
  const candidate: Device = { ...d, align: v.value };
  if (d.ranges.some((x) => !allocAligned(candidate, rangeLength(x)))) return refuse(s, 'EINVAL');
  return succeed(putDevice(s, candidate));
}

/** range_len() of a parsed `mapping` value, in u64 arithmetic (start > end wraps). */
const mappingLength = (r: { start: bigint; end: bigint }): bigint => (r.end - r.start + 1n) & U64_MASK;

/** Whether a `mapping` write of `input` is well-formed but has a length the device's align does not divide. */
export function mappingLengthMisaligned(d: Device, input: string): boolean {
  const p = parseMappingRange(input);
  return p.ok && !allocAligned(d, mappingLength(p.value));
}

/**
 * mapping_store: range_parse, then alloc_dev_dax_range of exactly that range. A bound device is EBUSY, as
 * size_store and align_store answer it: the driver mapped the ranges it had at probe, and fsdev relies on
 * "size cannot change while driver is bound" (drivers/dax/fsdev.c). A misaligned length is ENXIO, as in
 * 6.1. Kernels differ on both (bugs.ts, divergences.ts).
 */
function storeMapping(s: State, r: Region, d: Device, input: string): Step {
  const p = parseMappingRange(input);
  if (!p.ok) return refuse(s, p.errno);
  if (d.binding !== null && !bugOn(s, 'mapping-on-bound-device')) return refuse(s, 'EBUSY');
  if (mappingLengthMisaligned(d, input)) return bugOn(s, 'mapping-misaligned-length-succeeds') ? succeed(s) : refuse(s, 'ENXIO');
  const out = allocRange(s, r, d, p.value.start, mappingLength(p.value));
  return out.ok ? succeed(out.next) : warned(refuse(s, out.errno), out.warning);
}

/** memmap_on_memory_store: EOPNOTSUPP for true when unsupported is checked before the kmem-bound EBUSY. */
function storeMemmapOnMemory(s: State, d: Device, input: string): Step {
  const v = kstrtobool(input, s.profile.abi);
  if (!v.ok) return refuse(s, 'EINVAL');
  if (v.value && !memmapOnMemorySupported(s.profile)) return refuse(s, 'EOPNOTSUPP');
  if (v.value !== d.memmapOnMemory && d.binding?.driver === 'kmem') return refuse(s, 'EBUSY');
  return succeed(putDevice(s, { ...d, memmapOnMemory: v.value }));
}

/** resource_show: the first range's start, or the region start for a device without ranges. */
export function deviceResource(r: Region, d: Device): bigint {
  return d.ranges[0]?.start ?? r.start;
}

type Behaviour = Pick<Attr, 'show' | 'store'>;

const DEVICE_FILES: Record<DeviceAttr, (s: State, r: Region, d: Device) => Behaviour> = {
  modalias: () => ({ show: () => 'dax:t0\n' }),
  size: (s, r, d) => ({ show: () => line(deviceSize(d)), store: (v) => storeSize(s, r, d, v) }),
  mapping: (s, r, d) => ({ store: (v) => storeMapping(s, r, d, v) }),
  target_node: (_s, r) => ({ show: () => line(r.targetNode!) }),
  align: (s, _r, d) => ({ show: () => line(d.align), store: (v) => storeAlign(s, d, v) }),
  resource: (_s, r, d) => ({ show: () => hexLine(deviceResource(r, d)) }),
  numa_node: (_s, _r, d) => ({ show: () => line(d.numaNode) }),
  memmap_on_memory: (s, _r, d) => ({ show: () => line(d.memmapOnMemory ? 1 : 0), store: (v) => storeMemmapOnMemory(s, d, v) }),
  state: (s, _r, d) => kmemStateFile(s, d),
};

/** dev_dax_visible() and kmem's dev_groups decide which files exist and their modes (harness/abi/attributes.ts). */
export function deviceAttr(s: State, d: Device, attr: DeviceAttr): Attr | null {
  const r = regionOf(s, d);
  const mode = visibleMode(DEVICE_ATTRS[attr], { dynamic: r.dynamic, abi: s.profile.abi, boundTo: d.binding?.driver ?? null, hasNode: r.targetNode !== null });
  return mode === null ? null : { mode, ...DEVICE_FILES[attr](s, r, d) };
}

/** mappingN/{start,end,page_offset}: `%#llx` / `%#lx`. */
export function mappingAttr(range: DevRange, attr: MappingAttr): Attr {
  const value = attr === 'start' ? range.start : attr === 'end' ? range.end : range.pgoff;
  return { mode: MAPPING_ATTRS[attr].mode, show: () => hexLine(value) };
}
