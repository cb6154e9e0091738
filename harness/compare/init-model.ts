// The model's starting state for a provisioned guest: its inventory, and the kernel profile from what the
// guest reports (release, memmap_on_memory boot setting, block size, online policy).
import type { Capabilities } from '../lab/capabilities.ts';
import type { Inventory } from '../lab/inventory.ts';
import { initState, modelInventoryFromObservation, profileFor, type MemmapOnMemoryParam, type ModelState, type ZoneSpan } from '../model/index.ts';

/** Model settings that deliberately differ from the guest (to show that a mismatch is caught, or in a recipe). */
export interface ModelOverrides {
  memmapOnMemory?: MemmapOnMemoryParam;
}

const ONLINE_ZONES = new Set(['DMA', 'DMA32', 'Normal', 'Movable']);

export function initModel(inv: Inventory, caps: Capabilities, overrides: ModelOverrides = {}): ModelState {
  const profile = profileFor(inv.release, {
    memmapOnMemoryParam: overrides.memmapOnMemory ?? caps.mhpMemmapOnMemory ?? 'N',
    blockSize: inv.blockSize,
    autoOnline: inv.autoOnline,
    abi: inv.abi,
  });
  const facts = new Map(inv.regions.map((r) => [r.host, { provider: r.provider, start: r.start, iomemParent: r.iomemParent }]));
  const bootZoneSpans = inv.zoneSpans.filter((z) => ONLINE_ZONES.has(z.zone)) as ZoneSpan[];
  const model = modelInventoryFromObservation(inv.observation, facts, { blockSize: inv.blockSize, driversAutoprobe: true, driverOrder: inv.driverOrder, bootZoneSpans });
  return initState(model, profile);
}
