// The dax region's address-space allocator (drivers/dax/bus.c): device ids, the free-space count, and the
// range list of a device grown first-fit, shrunk from the tail, or extended by an explicit `mapping`.
import { type Device, type DevRange, type Region, type State, deviceSize, devicesOf, putDevice, rangeLength } from './state.ts';

const MiB = 1024n * 1024n;
/** memremap_compat_align(): one subsection, the minimum mapping granularity of a device. */
const SUBSECTION_SIZE = 2n * MiB;
const U64_MASK = (1n << 64n) - 1n;

/** alloc_is_aligned(): sizes and mapping lengths must be multiples of max(align, subsection). */
export function allocAligned(d: Device, size: bigint): boolean {
  const granule = d.align > SUBSECTION_SIZE ? d.align : SUBSECTION_SIZE;
  return size % granule === 0n;
}

/** dax_region_avail_size(): region size minus every range of every device. */
export function availableSize(s: State, r: Region): bigint {
  let avail = r.end - r.start + 1n;
  for (const d of devicesOf(s, r.host)) avail -= deviceSize(d);
  return avail;
}

/** ida_alloc() on the region's IDA: the lowest id no device of the region holds. */
export function lowestFreeId(s: State, host: string): number {
  const used = new Set(devicesOf(s, host).map((d) => d.id));
  let id = 0;
  while (used.has(id)) id++;
  return id;
}

/** The region resource's children (every device range), sorted by start as the resource tree keeps them. */
interface Child {
  readonly start: bigint;
  readonly end: bigint;
  /** This child is the last range of the device being resized (adjust_ok). */
  readonly isLastOfTarget: boolean;
}

function childrenOf(s: State, r: Region, target: Device): Child[] {
  const out: Child[] = [];
  for (const d of devicesOf(s, r.host)) {
    d.ranges.forEach((x, i) => out.push({ start: x.start, end: x.end, isLastOfTarget: d.name === target.name && i === d.ranges.length - 1 }));
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export type AllocOutcome = { ok: true; next: State } | { ok: false; errno: 'ENOMEM' | 'EBUSY' | 'ENOSPC'; warning?: string };

function appendRange(s: State, d: Device, start: bigint, end: bigint): State {
  let pgoff = 0n;
  for (const x of d.ranges) pgoff += rangeLength(x) / 4096n;
  const range: DevRange = { start, end, pgoff };
  return putDevice(s, { ...d, ranges: [...d.ranges, range] });
}

/** alloc_dev_dax_range(): claim [start, start+size-1] of the region for `d` as a new last range. */
export function allocRange(s: State, r: Region, d: Device, start: bigint, size: bigint): AllocOutcome {
  if (size === 0n) {
    // The 0-size "seed" allocation is only legal for a device without ranges.
    if (d.ranges.length > 0) return { ok: false, errno: 'EBUSY', warning: 'alloc_dev_dax_range: 0-size allocation must be first (WARN_ONCE)' };
    return { ok: true, next: s };
  }
  // __request_region(): end computed modulo 2^64; wrapped, outside the region or overlapping → NULL → ENOMEM.
  const end = (start + size - 1n) & U64_MASK;
  if (end < start || start < r.start || end > r.end) return { ok: false, errno: 'ENOMEM' };
  for (const other of devicesOf(s, r.host)) {
    for (const x of other.ranges) if (x.start <= end && start <= x.end) return { ok: false, errno: 'ENOMEM' };
  }
  return { ok: true, next: appendRange(s, d, start, end) };
}

/** dev_dax_shrink(): give back `cur - size` bytes from the tail, whole ranges first. */
function shrink(s: State, d: Device, size: bigint): State {
  let toShrink = deviceSize(d) - size;
  const ranges = [...d.ranges];
  while (toShrink > 0n) {
    const last = ranges[ranges.length - 1]!;
    const len = rangeLength(last);
    if (toShrink >= len) {
      ranges.pop();
      toShrink -= len;
      continue;
    }
    ranges[ranges.length - 1] = { ...last, end: last.end - toShrink };
    toShrink = 0n;
  }
  return putDevice(s, { ...d, ranges });
}

/**
 * dev_dax_resize() after size_store's own checks (parse, alignment, bound): same size is a no-op, growth
 * beyond available_size is ENOSPC, then shrink or grow first-fit.
 */
export function resize(s: State, r: Region, name: string, size: bigint): AllocOutcome {
  const d0 = s.devices.get(name)!;
  const cur = deviceSize(d0);
  if (size === cur) return { ok: true, next: s };
  if (size > cur && size - cur > availableSize(s, r)) return { ok: false, errno: 'ENOSPC' };
  if (size < cur) return { ok: true, next: shrink(s, d0, size) };

  let next = s;
  let toAlloc = size - cur;
  // Each round rescans every device's ranges from the region start and fills the first hole.
  while (toAlloc > 0n) {
    const d = next.devices.get(name)!;
    const children = childrenOf(next, r, d);
    const first = children[0];
    if (first === undefined) return allocRange(next, r, d, r.start, toAlloc);
    let alloc = 0n;
    let outcome: AllocOutcome | undefined;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const n = children[i + 1];
      if (c === first && c.start > r.start) {
        alloc = min(c.start - r.start, toAlloc);
        outcome = allocRange(next, r, d, r.start, alloc);
        break;
      }
      alloc = 0n;
      if (n && n.start > c.end + 1n) alloc = min(n.start - (c.end + 1n), toAlloc);
      if (alloc === 0n && !n && c.end < r.end) alloc = min(r.end - c.end, toAlloc);
      if (alloc === 0n) continue;
      // adjust_ok(): only this device's last range grows in place (its pgoff is the largest by construction),
      // so a hole after an earlier own range becomes a new range rather than a merge.
      if (c.isLastOfTarget) {
        const last = d.ranges[d.ranges.length - 1]!;
        outcome = { ok: true, next: putDevice(next, { ...d, ranges: [...d.ranges.slice(0, -1), { ...last, end: last.end + alloc }] }) };
      } else {
        outcome = allocRange(next, r, d, c.end + 1n, alloc);
      }
      break;
    }
    if (outcome === undefined) return { ok: false, errno: 'ENOSPC' };
    if (!outcome.ok) return outcome;
    next = outcome.next;
    toAlloc -= alloc;
  }
  return { ok: true, next };
}
