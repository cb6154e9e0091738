// Which operation × state pairs a run reached: an operation named by what it touches, the state by the
// facts of its target that decide the kernel's path (driver bound, ranges, size, block zone). Reports show
// the pairs reached and, against the space the generators can draw, the ones never reached.
import { deviceSize, findDeviceByName, type Device, type State } from '../model/state.ts';
import type { Op, OpResult } from '../model/ops.ts';

/** `write device/size`, `read mapping/start`, `write driver/bind`: the operation without its target. */
export function opKind(op: Op): string {
  const where = op.ref.kind === 'driver' ? `${op.ref.driver}/${op.ref.attr}` : op.ref.kind === 'memblock' ? 'memblock/state' : `${op.ref.kind}/${op.ref.attr}`;
  return `${op.op} ${where}${op.op === 'write' && op.ref.kind === 'memblock' ? ` ${op.value}` : ''}`;
}

function deviceState(d: Device | undefined, s: State): string {
  if (!d) return 'absent';
  const size = deviceSize(d);
  const region = s.regions.get(d.host);
  const fill = size === 0n ? 'empty' : region && size === region.end - region.start + 1n ? 'full' : 'partial';
  const ranges = d.ranges.length > 1 ? 'multi-range' : `${d.ranges.length}-range`;
  return `${d.binding?.driver ?? 'unbound'},${fill},${ranges}`;
}

/** The target device of an operation that names one (device and mapping files, driver bind/unbind/new_id, region delete). */
function targetDevice(op: Op): string | null {
  if (op.ref.kind === 'device' || op.ref.kind === 'mapping') return op.ref.device;
  if (op.op === 'write' && (op.ref.kind === 'driver' || (op.ref.kind === 'region' && op.ref.attr === 'delete'))) return op.value.trim();
  return null;
}

/** The abstract state an operation ran in. */
export function opState(op: Op, s: State): string {
  const dev = targetDevice(op);
  if (dev !== null) return deviceState(findDeviceByName(s.devices.values(), dev), s);
  if (op.ref.kind === 'memblock') {
    const b = s.blocks.get(op.ref.index);
    return b ? (b.zone ?? 'offline') : 'absent';
  }
  if (op.ref.kind === 'region') {
    const host = op.ref.host;
    const devices = [...s.devices.values()].filter((d) => d.host === host);
    const used = devices.reduce((n, d) => n + deviceSize(d), 0n);
    const r = s.regions.get(host);
    const free = !r ? 'absent' : used === 0n ? 'all-free' : used === r.end - r.start + 1n ? 'none-free' : 'some-free';
    return `${devices.length > 1 ? 'many' : devices.length}-devices,${free}`;
  }
  return '-';
}

export interface CoverageEntry {
  op: string;
  state: string;
  /** How often it ran, and how often the kernel accepted it. */
  runs: number;
  accepted: number;
}

const keyOf = (e: Pick<CoverageEntry, 'op' | 'state'>) => `${e.op}\0${e.state}`;
const byKey = (a: CoverageEntry, b: CoverageEntry) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);

/** Counts operation × state pairs as they run; one per checker, merged per case. */
export class OpCoverage {
  private readonly pairs = new Map<string, CoverageEntry>();

  add(op: Op, before: State, result: OpResult): void {
    this.addEntry({ op: opKind(op), state: opState(op, before), runs: 1, accepted: result.ok ? 1 : 0 });
  }

  addEntry(e: CoverageEntry): void {
    const cur = this.pairs.get(keyOf(e));
    this.pairs.set(keyOf(e), cur ? { ...cur, runs: cur.runs + e.runs, accepted: cur.accepted + e.accepted } : { ...e });
  }

  entries(): CoverageEntry[] {
    return [...this.pairs.values()].sort(byKey);
  }
}

/** Entries of several checkers (or cases) as one list. */
export function mergeCoverage(lists: readonly (readonly CoverageEntry[])[]): CoverageEntry[] {
  const all = new OpCoverage();
  for (const e of lists.flat()) all.addEntry(e);
  return all.entries();
}
