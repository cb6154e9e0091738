// The /proc/iomem resources the dax drivers own: what device_dax requested at probe, what kmem hot-added, and
// what a failed kmem hot-remove left behind. One enumeration serves both conflict checks and observation.
import type { IomemEntry } from './observation.ts';
import { type ByteRange, type State, overlaps, regionOf } from './state.ts';

export const KMEM_RESOURCE_NAME = 'System RAM (kmem)';

/** A `daxR.N` resource; `systemRam` when it carries a `System RAM (kmem)` child of the same extent. */
export interface DaxResource extends ByteRange {
  readonly name: string;
  /** null: top-level in /proc/iomem (7.0+ hmem, whose Soft Reserved range is in a private tree). */
  readonly parent: string | null;
  readonly systemRam: boolean;
}

export function* daxResources(s: State): Generator<DaxResource> {
  for (const d of s.devices.values()) {
    const b = d.binding;
    if (b === null) continue;
    const parent = regionOf(s, d).iomemParent;
    if (b.driver === 'kmem') for (const r of b.added) yield { start: r.start, end: r.end, name: d.name, parent, systemRam: true };
    else for (const r of b.claimed) yield { start: r.start, end: r.end, name: d.name, parent, systemRam: false };
  }
  for (const l of s.leaked) yield { start: l.start, end: l.end, name: l.name, parent: l.parent, systemRam: true };
}

/**
 * request_mem_region() fails for a range overlapping any of these: device_dax's and fsdev's are busy, and kmem's
 * non-busy `daxR.N` always has a busy `System RAM (kmem)` child of the same extent.
 */
export function iomemBusy(s: State, r: ByteRange): boolean {
  for (const x of daxResources(s)) if (overlaps(x, r)) return true;
  return false;
}

/** The entries as /proc/iomem lists them: by address, each `System RAM (kmem)` right after its parent. */
export function daxIomemEntries(s: State): IomemEntry[] {
  const sorted = [...daxResources(s)].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IomemEntry[] = [];
  for (const x of sorted) {
    out.push({ start: x.start, end: x.end, name: x.name, parent: x.parent });
    if (x.systemRam) out.push({ start: x.start, end: x.end, name: KMEM_RESOURCE_NAME, parent: x.name });
  }
  return out;
}
