// The model's state in the shape the guest observer produces, so prediction and reality diff structurally.
import { compareDeviceNames } from '../abi/device-name.ts';
import { availableSize } from './allocator.ts';
import { deviceResource } from './device.ts';
import { daxIomemEntries } from './iomem.ts';
import { memTotalKiB } from './memory.ts';
import type { ObservedBlock, ObservedDevice, ObservedRegion, Observation } from './observation.ts';
import { type State, deviceSize, regionOf } from './state.ts';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);


export function observe(s: State): Observation {
  const regions: ObservedRegion[] = [...s.regions.values()]
    .map((r) => ({
      host: r.host,
      id: r.id,
      size: r.end - r.start + 1n,
      align: r.align,
      dynamic: r.dynamic ? { availableSize: availableSize(s, r), seed: r.seed, create: r.youngest } : null,
    }))
    .sort((a, b) => byString(a.host, b.host));

  const devices: ObservedDevice[] = [...s.devices.values()]
    .map((d) => {
      const r = regionOf(s, d);
      return {
        name: d.name,
        host: d.host,
        size: deviceSize(d),
        align: d.align,
        targetNode: r.targetNode,
        numaNode: d.numaNode,
        resource: deviceResource(r, d),
        modalias: 'dax:t0',
        memmapOnMemory: s.profile.abi.memmapOnMemoryAttr ? d.memmapOnMemory : null,
        state: s.profile.abi.kmemState && d.binding?.driver === 'kmem' ? d.binding.state : null,
        driver: d.binding?.driver ?? null,
        mappings: d.ranges.map((x) => ({ start: x.start, end: x.end, pageOffset: x.pgoff })),
      };
    })
    .sort((a, b) => compareDeviceNames(a.name, b.name));

  const memoryBlocks: ObservedBlock[] = [...s.blocks.values()]
    .map((b): ObservedBlock => ({ index: b.index, state: b.zone === null ? 'offline' : 'online', node: b.nodeLinked ? b.node : null, zone: b.zone ?? 'none' }))
    .sort((a, b) => a.index - b.index);

  return { regions, devices, iomem: daxIomemEntries(s), memoryBlocks, memTotalKiB: memTotalKiB(s) };
}
