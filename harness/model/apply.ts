// One operation on the model: find the attribute file the AttrRef names (or learn it is hidden), then let
// the sysfs layer open it and run the read or write.
import { deviceAttr, mappingAttr } from './device.ts';
import { driverAttr, driversAutoprobeAttr, driversProbeAttr } from './drivers.ts';
import { autoOnlineBlocksAttr, memblockStateAttr } from './memory.ts';
import type { AttrRef, Op } from './ops.ts';
import { regionAttr } from './region.ts';
import type { State } from './state.ts';
import type { Step } from './step.ts';
import { type Attr, runOnAttr } from './sysfs.ts';

/** The attribute file `ref` names in `s`, or null when it does not exist (unknown object or hidden). */
function resolveAttr(s: State, ref: AttrRef): Attr | null {
  switch (ref.kind) {
    case 'region': {
      const r = s.regions.get(ref.host);
      return r ? regionAttr(s, r, ref.attr) : null;
    }
    case 'device': {
      const d = s.devices.get(ref.device);
      return d ? deviceAttr(s, d, ref.attr) : null;
    }
    case 'mapping': {
      const range = s.devices.get(ref.device)?.ranges[ref.index];
      return range ? mappingAttr(range, ref.attr) : null;
    }
    case 'driver':
      // A driver that is not registered on the bus (module not loaded, or not in this kernel) has no directory.
      return s.driverOrder.includes(ref.driver) ? driverAttr(s, ref.driver, ref.attr) : null;
    case 'bus':
      return ref.attr === 'drivers_probe' ? driversProbeAttr(s) : driversAutoprobeAttr(s);
    case 'memblock': {
      // Only blocks kmem added are modelled; boot memory blocks are outside the dax bus.
      const b = s.blocks.get(ref.index);
      return b ? memblockStateAttr(s, b) : null;
    }
    case 'memory':
      return autoOnlineBlocksAttr(s);
  }
}

/** Predicts one operation. Never mutates `state`. */
export function apply(state: State, op: Op): Step {
  return runOnAttr(state, resolveAttr(state, op.ref), op);
}
