// Properties every dax bus state must have (dax-bus-abi.md §5), checked on an Observation (so they apply to
// the real guest as much as to the model) and, for what only the model knows, on its State.
import { DEVICE_NAME } from '../abi/device-name.ts';
import { DAX_ALIGNS } from '../abi/attributes.ts';
import { KMEM_RESOURCE_NAME, daxResources } from './iomem.ts';
import { kmemRange } from './kmem.ts';
import { blockIndices } from './memory.ts';
import type { IomemEntry, ObservedDevice, ObservedRegion, Observation } from './observation.ts';
import { observe } from './observe.ts';
import { type ByteRange, type State, devicesOf, overlaps, rangeLength } from './state.ts';

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const span = (r: ByteRange): string => `${hex(r.start)}-${hex(r.end)}`;

function checkRegion(r: ObservedRegion, devices: readonly ObservedDevice[], out: string[]): void {
  const where = `region ${r.host}`;
  const total = devices.reduce((sum, d) => sum + d.size, 0n);
  const all = devices.flatMap((d) => d.mappings.map((m) => ({ ...m, owner: d.name })));
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (overlaps(a, b)) out.push(`${where}: ${a.owner} ${span(a)} overlaps ${b.owner} ${span(b)}`);
    }
  }
  if (all.length > 0) {
    const lo = all.reduce((m, x) => (x.start < m ? x.start : m), all[0]!.start);
    const hi = all.reduce((m, x) => (x.end > m ? x.end : m), all[0]!.end);
    if (hi - lo + 1n > r.size) out.push(`${where}: ranges span ${span({ start: lo, end: hi })}, more than the region size ${r.size}`);
  }
  // A device without ranges reports the region start as its resource.
  const starts = new Set(devices.filter((d) => d.size === 0n).map((d) => d.resource));
  if (starts.size > 1) out.push(`${where}: size-0 devices disagree on the region start (${[...starts].map(hex).join(', ')})`);
  const [start] = starts;
  if (start !== undefined) {
    for (const m of all) if (m.start < start || m.end > start + r.size - 1n) out.push(`${where}: ${m.owner} ${span(m)} lies outside the region`);
  }
  const nodes = new Set(devices.map((d) => d.targetNode));
  if (nodes.size > 1) out.push(`${where}: devices disagree on target_node (${[...nodes].join(', ')})`);
  for (const d of devices) {
    const m = DEVICE_NAME.exec(d.name);
    if (m && Number(m[1]) !== r.id) out.push(`${d.name}: name does not carry region id ${r.id}`);
  }

  if (r.dynamic === null) {
    for (const d of devices) {
      if (d.mappings.length !== 1 || d.size !== r.size) out.push(`${d.name}: a static device must have one range covering the region (${d.mappings.length} ranges, size ${d.size} of ${r.size})`);
    }
    return;
  }
  const { availableSize, seed, create } = r.dynamic;
  if (availableSize + total !== r.size) out.push(`${where}: available_size ${availableSize} + device sizes ${total} != size ${r.size}`);
  if (!devices.some((d) => DEVICE_NAME.exec(d.name)?.[2] === '0')) out.push(`${where}: device id 0 is missing`);
  if (seed !== null) {
    const d = devices.find((x) => x.name === seed);
    if (!d) out.push(`${where}: seed ${seed} is not a device of the region`);
    else if (d.driver !== null) out.push(`${where}: seed ${seed} is bound to ${d.driver}`);
    if (DEVICE_NAME.exec(seed)?.[2] === '0') out.push(`${where}: seed ${seed} has id 0`);
  }
  if (create !== null && !devices.some((d) => d.name === create)) out.push(`${where}: create names ${create}, not a device of the region`);
}

function checkDevice(d: ObservedDevice, out: string[]): void {
  let size = 0n;
  let pgoff = 0n;
  d.mappings.forEach((m, i) => {
    if (m.end < m.start) out.push(`${d.name}/mapping${i}: end ${hex(m.end)} before start ${hex(m.start)}`);
    if (m.pageOffset !== pgoff) out.push(`${d.name}/mapping${i}: page_offset ${hex(m.pageOffset)}, expected ${hex(pgoff)}`);
    size += rangeLength(m);
    pgoff += rangeLength(m) / 4096n;
  });
  if (size !== d.size) out.push(`${d.name}: size ${d.size} != sum of mapping lengths ${size}`);
  const first = d.mappings[0];
  if (first && d.resource !== first.start) out.push(`${d.name}: resource ${hex(d.resource)} != mapping0 start ${hex(first.start)}`);
  if (d.driver !== null && d.size === 0n) out.push(`${d.name}: bound to ${d.driver} with size 0`);
  if (!DAX_ALIGNS.includes(d.align)) out.push(`${d.name}: align ${d.align} is not 4K, 2M or 1G`);
  if (d.modalias !== 'dax:t0') out.push(`${d.name}: modalias ${JSON.stringify(d.modalias)}`);
}

function checkIomem(obs: Observation, out: string[], blockSize: bigint | undefined): void {
  const byName = new Map(obs.devices.map((d) => [d.name, d]));
  const dax = obs.iomem.filter((e) => e.name !== KMEM_RESOURCE_NAME);
  obs.iomem.forEach((e, i) => {
    const prev = obs.iomem[i - 1];
    if (prev && prev.start > e.start) out.push(`iomem: ${e.name} ${span(e)} listed after ${prev.name} ${span(prev)}`);
    if (e.name !== KMEM_RESOURCE_NAME) return;
    if (!prev || prev.name !== e.parent || prev.start !== e.start || prev.end !== e.end) out.push(`iomem: ${KMEM_RESOURCE_NAME} ${span(e)} is not the only child of a dax entry of the same extent`);
  });
  const hasSystemRam = (e: IomemEntry) => obs.iomem.some((c) => c.name === KMEM_RESOURCE_NAME && c.parent === e.name && c.start === e.start && c.end === e.end);
  for (let i = 0; i < dax.length; i++) {
    for (let j = i + 1; j < dax.length; j++) if (overlaps(dax[i]!, dax[j]!)) out.push(`iomem: ${dax[i]!.name} ${span(dax[i]!)} overlaps ${dax[j]!.name} ${span(dax[j]!)}`);
    const e = dax[i]!;
    if (hasSystemRam(e)) {
      if (blockSize !== undefined && ((e.start % blockSize) !== 0n || (e.end + 1n) % blockSize !== 0n)) out.push(`iomem: kmem memory ${e.name} ${span(e)} is not memory-block aligned`);
      continue;
    }
    const d = byName.get(e.name);
    if ((d?.driver !== 'device_dax' && d?.driver !== 'fsdev_dax') || !d.mappings.some((m) => m.start === e.start && m.end === e.end)) out.push(`iomem: ${e.name} ${span(e)} without System RAM is not a range of a device_dax- or fsdev_dax-bound device`);
  }
  for (const d of obs.devices) {
    // kmem's state (7.3+) may be unplugged: bound, with nothing hot-added.
    const kmemRam = dax.some((e) => e.name === d.name && hasSystemRam(e));
    if (d.driver === 'kmem' && d.state !== 'unplugged' && !kmemRam) out.push(`${d.name}: bound to kmem without any System RAM (kmem) in iomem`);
    if (d.driver === 'kmem' && d.state === 'unplugged' && kmemRam) out.push(`${d.name}: kmem state unplugged with System RAM (kmem) still in iomem`);
    if (d.state !== null && d.driver !== 'kmem') out.push(`${d.name}: a state file while bound to ${d.driver ?? 'no driver'}`);
    if ((d.driver === 'device_dax' || d.driver === 'fsdev_dax') && !dax.some((e) => e.name === d.name)) out.push(`${d.name}: bound to ${d.driver} without any iomem entry`);
  }
  for (const b of obs.memoryBlocks) {
    if ((b.state === 'online') !== (b.zone !== 'none')) out.push(`memory${b.index}: state ${b.state} with zone ${b.zone}`);
    if (blockSize === undefined) continue;
    const start = BigInt(b.index) * blockSize;
    if (!dax.some((e) => hasSystemRam(e) && e.start <= start && start <= e.end)) out.push(`memory${b.index}: not inside any System RAM (kmem) range`);
  }
  if (blockSize !== undefined) {
    const present = new Set(obs.memoryBlocks.map((b) => b.index));
    for (const e of dax) {
      if (!hasSystemRam(e)) continue;
      for (let a = e.start; a <= e.end; a += blockSize) if (!present.has(Number(a / blockSize))) out.push(`iomem: kmem memory ${e.name} ${span(e)} lacks memory${a / blockSize}`);
    }
  }
}

/**
 * Violations of §5 visible in an observation. With `blockSize` (block_size_bytes) the kmem memory is also
 * checked against the memory blocks.
 */
export function checkInvariants(obs: Observation, opts: { blockSize?: bigint } = {}): string[] {
  const out: string[] = [];
  const hosts = new Set(obs.regions.map((r) => r.host));
  for (const d of obs.devices) if (!hosts.has(d.host)) out.push(`${d.name}: region ${d.host} is not observed`);
  const memmapShown = new Set(obs.devices.map((d) => d.memmapOnMemory === null));
  if (memmapShown.size > 1) out.push('memmap_on_memory is present on some devices and absent on others');
  for (const r of obs.regions) checkRegion(r, obs.devices.filter((d) => d.host === r.host), out);
  for (const d of obs.devices) checkDevice(d, out);
  checkIomem(obs, out, opts.blockSize);
  return out;
}

/** checkInvariants on the model's own observation, plus what only the model's state shows. */
export function checkStateInvariants(s: State): string[] {
  const out = checkInvariants(observe(s), { blockSize: s.profile.blockSize });
  for (const r of s.regions.values()) {
    const ids = new Set<number>();
    for (const d of devicesOf(s, r.host)) {
      if (ids.has(d.id)) out.push(`region ${r.host}: id ${d.id} is held twice`);
      ids.add(d.id);
      if (d.name !== `dax${r.id}.${d.id}`) out.push(`${d.name}: name does not match region id ${r.id} and device id ${d.id}`);
      for (const x of d.ranges) if (x.start < r.start || x.end > r.end) out.push(`${d.name}: range ${span(x)} outside region ${span(r)}`);
      if (d.stalePgmap && (!r.dynamic || d.binding?.driver === 'device_dax')) out.push(`${d.name}: stale page map on a static or device_dax-bound device`);
      const b = d.binding;
      if (b?.driver === 'device_dax') {
        for (const c of b.claimed) if (!d.ranges.some((x) => x.start === c.start && x.end === c.end)) out.push(`${d.name}: device_dax claims ${span(c)}, not one of its ranges`);
      }
      if (b?.driver === 'kmem') {
        if (b.added.length === 0 && b.state !== 'unplugged') out.push(`${d.name}: bound to kmem with nothing added`);
        for (const a of b.added) {
          const fromRange = d.ranges.some((x) => {
            const k = kmemRange(x, s.profile.blockSize);
            return k !== null && k.start === a.start && k.end === a.end;
          });
          if (!fromRange) out.push(`${d.name}: kmem range ${span(a)} is not the block-aligned part of any of its ranges`);
          for (const i of blockIndices(s, a)) if (s.blocks.get(i)?.node !== r.targetNode) out.push(`memory${i}: not on ${d.name}'s target node ${r.targetNode}`);
        }
      }
    }
    if (r.seed !== null && s.devices.get(r.seed)?.host !== r.host) out.push(`region ${r.host}: seed ${r.seed} is not its device`);
  }
  const owners = new Map<number, number>();
  for (const x of daxResources(s)) if (x.systemRam) for (const i of blockIndices(s, x)) owners.set(i, (owners.get(i) ?? 0) + 1);
  for (const b of s.blocks.values()) {
    if (owners.get(b.index) !== 1) out.push(`memory${b.index}: held by ${owners.get(b.index) ?? 0} kmem ranges`);
    if (b.vmemmapBytes < 0n || b.vmemmapBytes >= s.profile.blockSize) out.push(`memory${b.index}: memmap of ${b.vmemmapBytes} bytes`);
  }
  return out;
}
