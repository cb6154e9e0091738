// Property tests on the model alone: random operation sequences over dynamic regions keep every invariant,
// never mutate their input, and are deterministic.
import { fc, testProp } from '@fast-check/ava';
import { apply } from './apply.ts';
import { checkStateInvariants } from './invariants.ts';
import type { OnlinePolicy } from './observation.ts';
import type { AttrRef, DaxDriver, Op } from './ops.ts';
import type { State } from './state.ts';
import { GiB, MiB, R61, R612, type RegionSpec, cxl, hex, hmem, stateFor } from './testing/fixtures.ts';

const BLOCK = 128n * MiB;

/** A structural snapshot: any mutation of a Map, Set, array or object inside the state changes it. */
function snapshot(s: State): string {
  return JSON.stringify(s, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v.values()] };
    return v;
  });
}

const world = fc.record({
  release: fc.constantFrom(R612, R61),
  memmapOnMemoryParam: fc.constantFrom('N', 'Y', 'force'),
  autoOnline: fc.constantFrom<OnlinePolicy>('online', 'offline', 'online_movable', 'online_kernel'),
  memoryHotremove: fc.boolean(),
  // hmem region: start offset in 2 MiB steps (often not block-aligned), size in 2 MiB steps.
  hmemOffset: fc.integer({ min: 0, max: 128 }),
  hmemSize: fc.integer({ min: 64, max: 1024 }),
  hmemInitial: fc.constantFrom('kmem', 'none', 'idle'),
  withCxl: fc.boolean(),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

function regionsOf(wd: World): RegionSpec[] {
  const h: RegionSpec = hmem({
    start: 4n * GiB + BigInt(wd.hmemOffset) * 2n * MiB,
    size: BigInt(wd.hmemSize) * 2n * MiB,
    ...(wd.hmemInitial === 'kmem' ? {} : wd.hmemInitial === 'none' ? { driver: null } : { initial: 'empty', kmemDefault: false }),
  });
  // On 6.1 a provider device is device_dax's (it matches everything), never kmem's.
  if (wd.release === R61 && wd.hmemInitial === 'kmem') h.driver = 'device_dax';
  const regions = [h];
  if (wd.withCxl && wd.release === R612) regions.push(cxl({ id: 1, start: 16n * GiB, size: 1n * GiB, host: '/sys/devices/test/cxl1', driver: null }));
  return regions;
}

/** Abstract commands, turned into concrete ops against the current state (picks index into what exists). */
const cmd = fc.oneof(
  fc.record({ k: fc.constant('create' as const), region: fc.nat() }),
  fc.record({ k: fc.constant('delete' as const), region: fc.nat(), dev: fc.nat() }),
  fc.record({
    k: fc.constant('size' as const),
    dev: fc.nat(),
    // Block multiples make kmem binds succeed; 2 MiB steps make fragmented layouts.
    v: fc.oneof(fc.integer({ min: 0, max: 16 }).map((n) => `${BigInt(n) * 64n * MiB}`), fc.integer({ min: 0, max: 512 }).map((n) => `${BigInt(n) * 2n * MiB}`), fc.constantFrom('1048576', 'abc', '')),
  }),
  fc.record({ k: fc.constant('align' as const), dev: fc.nat(), v: fc.constantFrom('4096', '2097152', '1073741824', 'abc', '8192') }),
  fc.record({ k: fc.constant('mapping' as const), dev: fc.nat(), offMiB: fc.integer({ min: -4, max: 2100 }), lenMiB: fc.integer({ min: 0, max: 300 }), raw: fc.constantFrom(null, '1000-fff', 'x-y', '0-ffffffffffffffff') }),
  fc.record({ k: fc.constantFrom('bind' as const, 'unbind' as const, 'new_id' as const, 'remove_id' as const), driver: fc.constantFrom<DaxDriver>('device_dax', 'kmem'), dev: fc.nat() }),
  fc.record({ k: fc.constant('probe' as const), dev: fc.nat() }),
  fc.record({ k: fc.constant('mom' as const), dev: fc.nat(), v: fc.constantFrom('0', '1', 'x') }),
  fc.record({ k: fc.constant('block' as const), pick: fc.nat(), v: fc.constantFrom('online', 'offline', 'online_movable', 'online_kernel', 'junk') }),
  fc.record({ k: fc.constant('policy' as const), v: fc.constantFrom('online', 'offline', 'online_movable', 'bad') }),
  fc.record({ k: fc.constant('read' as const), dev: fc.nat(), attr: fc.constantFrom('size', 'resource', 'align', 'target_node', 'memmap_on_memory') }),
);
type Cmd = typeof cmd extends fc.Arbitrary<infer C> ? C : never;

function concretize(s: State, c: Cmd): Op {
  const hosts = [...s.regions.keys()].sort();
  const names = [...s.devices.keys()].sort();
  // Mostly existing devices, sometimes one that does not exist.
  const dev = (i: number) => (i % 8 === 7 || names.length === 0 ? 'dax9.9' : names[i % names.length]!);
  const write = (ref: AttrRef, value: string): Op => ({ op: 'write', ref, value });
  switch (c.k) {
    case 'create':
      return write({ kind: 'region', host: hosts[c.region % hosts.length]!, attr: 'create' }, '1');
    case 'delete':
      return write({ kind: 'region', host: hosts[c.region % hosts.length]!, attr: 'delete' }, dev(c.dev));
    case 'size':
    case 'align':
      return write({ kind: 'device', device: dev(c.dev), attr: c.k }, c.v);
    case 'mapping': {
      const d = s.devices.get(dev(c.dev));
      const base = d ? s.regions.get(d.host)!.start : 0n;
      const value = c.raw ?? `${hex(base + BigInt(c.offMiB) * MiB)}-${hex(base + BigInt(c.offMiB + c.lenMiB) * MiB - 1n)}`;
      return write({ kind: 'device', device: dev(c.dev), attr: 'mapping' }, value);
    }
    case 'bind':
    case 'unbind':
    case 'new_id':
    case 'remove_id':
      return write({ kind: 'driver', driver: c.driver, attr: c.k }, dev(c.dev));
    case 'probe':
      return write({ kind: 'bus', attr: 'drivers_probe' }, dev(c.dev));
    case 'mom':
      return write({ kind: 'device', device: dev(c.dev), attr: 'memmap_on_memory' }, c.v);
    case 'block': {
      const blocks = [...s.blocks.keys()].sort((a, b) => a - b);
      return write({ kind: 'memblock', index: blocks.length ? blocks[c.pick % blocks.length]! : 0, attr: 'state' }, c.v);
    }
    case 'policy':
      return write({ kind: 'memory', attr: 'auto_online_blocks' }, c.v);
    case 'read':
      return { op: 'read', ref: { kind: 'device', device: dev(c.dev), attr: c.attr } };
  }
}

testProp(
  'random operation sequences keep every invariant and never mutate their input',
  [world, fc.array(cmd, { minLength: 1, maxLength: 80, size: 'max' })],
  (t, wd, cmds) => {
    let s = stateFor(regionsOf(wd), { release: wd.release, memmapOnMemoryParam: wd.memmapOnMemoryParam, autoOnline: wd.autoOnline, memoryHotremove: wd.memoryHotremove, blockSize: BLOCK });
    t.deepEqual(checkStateInvariants(s), [], 'initial state');
    for (const c of cmds) {
      const op = concretize(s, c);
      const before = snapshot(s);
      const step = apply(s, op);
      t.is(snapshot(s), before, `apply mutated its input: ${JSON.stringify(op)}`);
      t.is(snapshot(apply(s, op).next), snapshot(step.next), 'deterministic');
      const broken = checkStateInvariants(step.next);
      if (broken.length) t.fail(`after ${JSON.stringify(op)} -> ${JSON.stringify(step.result)}:\n${broken.join('\n')}`);
      s = step.next;
    }
  },
  { numRuns: 500 },
);

testProp(
  'sizes always sum up: available_size plus device sizes is the region size',
  [world, fc.array(cmd, { maxLength: 40, size: 'max' })],
  (t, wd, cmds) => {
    let s = stateFor(regionsOf(wd), { release: wd.release, blockSize: BLOCK });
    for (const c of cmds) s = apply(s, concretize(s, c)).next;
    for (const r of s.regions.values()) {
      const used = [...s.devices.values()].filter((d) => d.host === r.host).reduce((n, d) => n + d.ranges.reduce((m, x) => m + x.end - x.start + 1n, 0n), 0n);
      const avail = apply(s, { op: 'read', ref: { kind: 'region', host: r.host, attr: 'available_size' } }).result;
      t.deepEqual(avail, { ok: true, value: `${r.end - r.start + 1n - used}\n` }, r.host);
    }
  },
  { numRuns: 200 },
);
