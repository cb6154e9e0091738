// Model throughput: a fixed pseudo-random mix of operations over two dynamic regions (hmem-like, CXL-like),
// the same sequence on every run, timed end to end.
import { apply } from './apply.ts';
import { initState } from './init.ts';
import type { ModelInventory } from './inventory.ts';
import type { AttrRef, DaxDriver, Op } from './ops.ts';
import { profileFor } from './profiles.ts';
import type { State } from './state.ts';

const MiB = 1024n * 1024n;
const GiB = 1024n * MiB;
export const BLOCK = 128n * MiB;

export function benchInventory(): ModelInventory {
  const region = (host: string, id: number, start: bigint, size: bigint, parent: string) => ({
    inv: { host, id, provider: 'hmem' as const, dynamic: true, start, end: start + size - 1n, align: 2n * MiB, targetNode: 1, iomemParent: parent },
    dev: { name: `dax${id}.0`, host, size: 0n, align: 2n * MiB, targetNode: 1, numaNode: 0, resource: start, modalias: 'dax:t0', memmapOnMemory: false, state: null, driver: null, mappings: [] },
  });
  const a = region('/sys/devices/platform/hmem.0', 0, 4n * GiB, 4n * GiB, 'Soft Reserved');
  const b = region('/sys/devices/platform/cxl/dax_region1', 1, 10n * GiB, 1n * GiB, 'region1');
  return { regions: [a.inv, b.inv], devices: [a.dev, b.dev], blockSize: BLOCK, blocks: [], memTotalKiB: 2n * GiB / 1024n, iomem: [], driversAutoprobe: true };
}

/** mulberry32: a tiny deterministic PRNG, so every run times the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function opMix(count: number, seed: number): Op[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hosts = ['/sys/devices/platform/hmem.0', '/sys/devices/platform/cxl/dax_region1'];
  const names = ['dax0.0', 'dax0.1', 'dax0.2', 'dax0.3', 'dax1.0', 'dax1.1', 'dax1.2'];
  const drivers: DaxDriver[] = ['device_dax', 'kmem'];
  const sizes = ['0', '268435456', '536870912', '0x40000000', '134217728', '2097152', 'abc'];
  const write = (ref: AttrRef, value: string): Op => ({ op: 'write', ref, value });
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const dev = pick(names);
    const k = rnd();
    if (k < 0.07) ops.push(write({ kind: 'region', host: pick(hosts), attr: 'create' }, '1'));
    else if (k < 0.16) ops.push(write({ kind: 'region', host: pick(hosts), attr: 'delete' }, dev));
    else if (k < 0.36) ops.push(write({ kind: 'device', device: dev, attr: 'size' }, pick(sizes)));
    else if (k < 0.4) ops.push(write({ kind: 'device', device: dev, attr: 'align' }, pick(['4096', '2097152', '1073741824'])));
    else if (k < 0.46) {
      const start = 4n * GiB + BigInt(Math.floor(rnd() * 32)) * BLOCK;
      ops.push(write({ kind: 'device', device: dev, attr: 'mapping' }, `0x${start.toString(16)}-0x${(start + BLOCK - 1n).toString(16)}`));
    } else if (k < 0.58) ops.push(write({ kind: 'driver', driver: pick(drivers), attr: 'bind' }, dev));
    else if (k < 0.68) ops.push(write({ kind: 'driver', driver: pick(drivers), attr: 'unbind' }, dev));
    else if (k < 0.72) ops.push(write({ kind: 'driver', driver: pick(drivers), attr: pick(['new_id', 'remove_id'] as const) }, dev));
    else if (k < 0.75) ops.push(write({ kind: 'device', device: dev, attr: 'memmap_on_memory' }, pick(['0', '1'])));
    else if (k < 0.85) ops.push(write({ kind: 'memblock', index: 32 + Math.floor(rnd() * 40), attr: 'state' }, pick(['online', 'offline', 'online_movable'])));
    else if (k < 0.9) ops.push(write({ kind: 'memory', attr: 'auto_online_blocks' }, pick(['online', 'offline', 'online_movable'])));
    else ops.push({ op: 'read', ref: pick<AttrRef>([{ kind: 'device', device: dev, attr: 'size' }, { kind: 'region', host: pick(hosts), attr: 'available_size' }, { kind: 'mapping', device: dev, index: 0, attr: 'start' }]) });
  }
  return ops;
}

/** Runs 250k operations of the fixed mix and returns operations per second. */
export function benchModelOpsPerSecond(): number {
  const ops = opMix(250_000, 0x5eed);
  const initial = initState(benchInventory(), profileFor('6.12.117', { memmapOnMemoryParam: 'Y', blockSize: BLOCK, autoOnline: 'online' }));
  let s: State = initial;
  const t0 = performance.now();
  for (let i = 0; i < ops.length; i++) {
    s = apply(s, ops[i]!).next;
    // A harness case is tens to hundreds of steps on one guest; leaked memory and size-0 devices only
    // accumulate, so starting over keeps the state representative.
    if (i % 1000 === 999) s = initial;
  }
  const seconds = (performance.now() - t0) / 1000;
  return Math.round(ops.length / seconds);
}
