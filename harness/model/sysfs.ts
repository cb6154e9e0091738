// sysfs/kernfs file semantics shared by every attribute: mode bits enforced at open() even for root, hidden
// attributes absent (ENOENT without O_CREAT), a zero-length write never reaching the handler, and the
// kernel's print formats.
import type { Op } from './ops.ts';
import { handlerInput } from './parse.ts';
import type { State } from './state.ts';
import { type Step, refuse, succeed } from './step.ts';

/** One visible attribute file: its mode after is_visible(), and its show/store methods. */
export interface Attr {
  readonly mode: number;
  readonly show?: () => string;
  readonly store?: (input: string) => Step;
}

/** kernfs_fop_open + read/write: what an open(O_RDONLY|O_WRONLY) and one read/write(2) return. */
export function runOnAttr(state: State, attr: Attr | null, op: Op): Step {
  if (attr === null) return refuse(state, 'ENOENT');
  if (op.op === 'read') {
    if ((attr.mode & 0o444) === 0 || !attr.show) return refuse(state, 'EACCES');
    return succeed(state, attr.show());
  }
  if ((attr.mode & 0o222) === 0 || !attr.store) return refuse(state, 'EACCES');
  // sysfs_kf_write: `if (!count) return 0;`
  if (op.value === '') return succeed(state);
  return attr.store(handlerInput(op.value));
}

/** `%#llx` / `%#lx`: the kernel prints zero as `0x0`. */
export const hexLine = (v: bigint): string => `0x${v.toString(16)}\n`;
export const line = (v: bigint | number | string): string => `${v}\n`;
