// The vocabulary of what user space can do to the dax bus. The model predicts each Op, the driver executes
// the same Op in a real guest; both sides name an attribute with an AttrRef, never with a path string.
import type { BusAttr, DaxDriver, DeviceAttr, DriverAttr, MappingAttr, RegionAttr } from '../abi/attributes.ts';
import type { Errno } from './errno.ts';

export type { BusAttr, DaxDriver, DeviceAttr, DriverAttr, MappingAttr, RegionAttr };

/** One sysfs attribute, named by what it belongs to. `host` is the region host's sysfs path (region key). */
export type AttrRef =
  | { kind: 'region'; host: string; attr: RegionAttr }
  | { kind: 'device'; device: string; attr: DeviceAttr }
  | { kind: 'mapping'; device: string; index: number; attr: MappingAttr }
  | { kind: 'driver'; driver: DaxDriver; attr: DriverAttr }
  | { kind: 'bus'; attr: BusAttr }
  | { kind: 'memblock'; index: number; attr: 'state' }
  | { kind: 'memory'; attr: 'auto_online_blocks' };

/**
 * A write is one open(O_WRONLY, no O_CREAT) + one write(2) of `value` exactly as given (no newline added);
 * a read is one open(O_RDONLY) + read to EOF. Hidden attributes therefore fail ENOENT, mode-denied ones EACCES.
 */
export type Op =
  /** `failNth`: the write's Nth slab allocation fails (allocation-failure.ts says what the model expects). */
  | { op: 'write'; ref: AttrRef; value: string; failNth?: number }
  | { op: 'read'; ref: AttrRef };

/** Operations run at once, racing each other (released from one barrier in the guest). */
export interface Together {
  readonly together: readonly Op[];
}

/** One entry of a history: an operation, or operations that raced. */
export type Action = Op | Together;

export const isTogether = (a: Action): a is Together => 'together' in a;
export const opsOf = (a: Action): readonly Op[] => (isTogether(a) ? a.together : [a]);

export type OpResult = { ok: true; value?: string } | { ok: false; errno: Errno };

export const ok = (value?: string): OpResult => (value === undefined ? { ok: true } : { ok: true, value });
export const fail = (errno: Errno): OpResult => ({ ok: false, errno });

/** Same outcome: both succeed (with the same value, where both carry one) or both fail with the same errno. */
export function resultsAgree(a: OpResult, b: OpResult): boolean {
  if (a.ok && b.ok) return a.value === undefined || b.value === undefined || a.value === b.value;
  return !a.ok && !b.ok && a.errno === b.errno;
}

/** `ok`, `ok "1\n"` or the errno name: how reports print a result. */
export function renderResult(r: OpResult): string {
  return r.ok ? (r.value !== undefined ? `ok ${JSON.stringify(r.value)}` : 'ok') : r.errno;
}

/** Short human form used in reports and recipes: `write dax0.1/size "0x200000"`. */
export function describeOp(op: Op): string {
  const where = describeRef(op.ref);
  if (op.op === 'read') return `read ${where}`;
  return `write ${where} ${JSON.stringify(op.value)}${op.failNth ? ` (allocation ${op.failNth} fails)` : ''}`;
}

export function describeAction(a: Action): string {
  return isTogether(a) ? `together { ${a.together.map(describeOp).join(' | ')} }` : describeOp(a);
}

export function describeRef(ref: AttrRef): string {
  switch (ref.kind) {
    case 'region':
      return `${ref.host.replace(/^.*\//, '')}/dax_region/${ref.attr}`;
    case 'device':
      return `${ref.device}/${ref.attr}`;
    case 'mapping':
      return `${ref.device}/mapping${ref.index}/${ref.attr}`;
    case 'driver':
      return `drivers/${ref.driver}/${ref.attr}`;
    case 'bus':
      return `bus/${ref.attr}`;
    case 'memblock':
      return `memory${ref.index}/state`;
    case 'memory':
      return `memory/${ref.attr}`;
  }
}
