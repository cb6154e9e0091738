// Random command sequences on dynamic regions, every step checked against the model. fast-check shrinks a
// failing sequence to a minimal one; the seed is printed with the failure and `daxh run --seed` replays it.
import fc from 'fast-check';
import { DAX_DRIVER_NAMES, type DaxDriver } from '../../harness/abi/attributes.ts';
import { DivergenceError } from '../../harness/compare/checker.ts';
import type { Op } from '../../harness/model/ops.ts';
import type { Observation } from '../../harness/model/observation.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import type { ProvisionedRegion } from '../../harness/lab/inventory.ts';
import { describeOp } from '../../harness/model/ops.ts';
import { write } from '../ops.ts';
import { GiB, MiB, hex } from '../lib.ts';

/** Abstract commands: indexes and fractions, bound to real device names and addresses only when run. */
export type Command =
  | { c: 'create' }
  | { c: 'delete'; dev: number }
  | { c: 'size'; dev: number; eighths: number }
  | { c: 'align'; dev: number; align: 0 | 1 | 2 }
  | { c: 'mapping'; dev: number; slot: number; blocks: number }
  | { c: 'bind'; dev: number; driver: DaxDriver }
  | { c: 'new_id'; dev: number; driver: DaxDriver }
  | { c: 'unbind'; dev: number }
  | { c: 'mom'; dev: number; on: boolean }
  | { c: 'block'; nth: number; to: 'offline' | 'online_movable' | 'online_kernel' }
  | { c: 'probe'; dev: number }
  | { c: 'remove_id'; dev: number; driver: DaxDriver }
  | { c: 'kmem_state'; dev: number; to: 'unplugged' | 'online' | 'online_movable' | 'offline' };

const dev = fc.nat(7);
// Every driver of the table, fsdev_dax too (7.1+; elsewhere its files are absent, ENOENT, as the model says).
const driver = fc.constantFrom(...DAX_DRIVER_NAMES);
// Unbinding kmem with blocks still online leaks memory until reboot (modelled, and worth reaching), but a
// leak also costs the next run a reboot: unbind is drawn less often, block offlining more often.
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.constant<Command>({ c: 'create' }), weight: 3 },
  { arbitrary: dev.map<Command>((d) => ({ c: 'delete', dev: d })), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('size' as const), dev, eighths: fc.nat(8) }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('align' as const), dev, align: fc.constantFrom(0 as const, 1 as const, 2 as const) }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('mapping' as const), dev, slot: fc.nat(15), blocks: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('bind' as const), dev, driver }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('new_id' as const), dev, driver }), weight: 3 },
  { arbitrary: dev.map<Command>((d) => ({ c: 'unbind', dev: d })), weight: 1 },
  { arbitrary: fc.record({ c: fc.constant('mom' as const), dev, on: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ c: fc.constant('block' as const), nth: fc.nat(31), to: fc.constantFrom('offline' as const, 'online_movable' as const, 'online_kernel' as const) }), weight: 5 },
  { arbitrary: dev.map<Command>((d) => ({ c: 'probe', dev: d })), weight: 2 },
  { arbitrary: fc.record({ c: fc.constant('remove_id' as const), dev, driver }), weight: 2 },
  // kmem's state file exists on 7.3+ only; elsewhere the write is ENOENT, which the model predicts too.
  { arbitrary: fc.record({ c: fc.constant('kmem_state' as const), dev, to: fc.constantFrom('unplugged' as const, 'online' as const, 'online_movable' as const, 'offline' as const) }), weight: 2 },
);

const ALIGNS = [4096n, 2n * MiB, GiB];

/** Binds an abstract command to the current real state. Pure. */
export function concretize(cmd: Command, region: ProvisionedRegion, obs: Observation): Op {
  const devices = obs.devices.filter((d) => d.host === region.host);
  const pick = (i: number) => devices[i % devices.length]!;
  switch (cmd.c) {
    case 'create':
      return write.region(region.host, 'create', '1');
    case 'delete':
      return write.region(region.host, 'delete', pick(cmd.dev).name);
    case 'size':
      return write.device(pick(cmd.dev).name, 'size', String(((region.size * BigInt(cmd.eighths)) / 8n / (2n * MiB)) * 2n * MiB));
    case 'align':
      return write.device(pick(cmd.dev).name, 'align', String(ALIGNS[cmd.align]));
    case 'mapping': {
      const slotSize = region.size / 16n;
      const start = region.start + BigInt(cmd.slot) * slotSize;
      return write.device(pick(cmd.dev).name, 'mapping', `${hex(start)}-${hex(start + BigInt(cmd.blocks) * 2n * MiB - 1n)}`);
    }
    case 'bind':
      return write.driver(cmd.driver, 'bind', pick(cmd.dev).name);
    case 'new_id':
      return write.driver(cmd.driver, 'new_id', pick(cmd.dev).name);
    case 'unbind': {
      const d = pick(cmd.dev);
      return write.driver(d.driver ?? 'device_dax', 'unbind', d.name);
    }
    case 'mom':
      return write.device(pick(cmd.dev).name, 'memmap_on_memory', cmd.on ? '1' : '0');
    case 'probe':
      return write.bus('drivers_probe', pick(cmd.dev).name);
    case 'remove_id':
      return write.driver(cmd.driver, 'remove_id', pick(cmd.dev).name);
    case 'kmem_state':
      return write.device(pick(cmd.dev).name, 'state', cmd.to);
    case 'block': {
      const blocks = obs.memoryBlocks;
      const b = blocks.length ? blocks[cmd.nth % blocks.length]!.index : Number(region.start / (128n * MiB));
      return write.memblock(b, cmd.to);
    }
  }
}

export interface ModelBasedConfig {
  runs: number;
  maxCommands: number;
  timeLimitMs: number;
}

// About 200 real-kernel steps per topology: enough to reach multi-range devices, leaks and rebinds.
export const MODEL_BASED_DEFAULT: ModelBasedConfig = { runs: 20, maxCommands: 24, timeLimitMs: 150_000 };

/** Thrown into a property run that outlived fast-check's time limit: it must not touch the guest again. */
class PropertyStopped extends Error {}

/** Runs the property on the case's guest. Throws the shrunk counterexample as a readable failure. */
export async function runModelBased(ctx: CaseContext, cfg: ModelBasedConfig): Promise<void> {
  const region = ctx.region;
  // fast-check's time limit races the running property rather than cancelling it: the run in flight is
  // stopped at its next step and awaited, so nothing of this case touches the guest after the case ends.
  let stopped = false;
  let inflight: Promise<void> = Promise.resolve();
  const property = fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: cfg.maxCommands, size: 'max' }), (cmds) => {
    const run = (async () => {
      if (stopped) throw new PropertyStopped();
      const checker = await ctx.fresh();
      for (const cmd of cmds) {
        if (stopped) throw new PropertyStopped();
        await checker.step(concretize(cmd, region, checker.observation));
      }
    })();
    inflight = run.catch(() => {});
    return run;
  });
  // Shrinking replays on the real guest, and a replay that leaks hot-plugged memory costs a reboot: bound it.
  // An interrupted shrink still reports the smallest failing sequence found so far.
  const out = await fc.check(property, { seed: ctx.seed, numRuns: cfg.runs, interruptAfterTimeLimit: cfg.timeLimitMs });
  stopped = true;
  await inflight;
  if (out.failed) {
    const cmds = (out.counterexample?.[0] ?? []) as Command[];
    const replay = await ctx.fresh();
    const ops: Op[] = [];
    try {
      for (const cmd of cmds) {
        const op = concretize(cmd, region, replay.observation);
        ops.push(op);
        await replay.step(op);
      }
    } catch (err) {
      ctx.saveRecipe(ops);
      const found = `model-based: seed ${out.seed}, shrunk to ${ops.length} step(s) after ${out.numShrinks} shrinks:\n${ops.map((o, i) => `  ${i + 1}. ${describeOp(o)}`).join('\n')}`;
      // A divergence stays one (kind, structured report) with the shrink above it; anything else is what it was.
      if (err instanceof DivergenceError) throw new DivergenceError(err.divergence, found);
      throw new Error(`${found}\n${(err as Error).message}`);
    }
    const note = `model-based: seed ${out.seed} failed, but the shrunk sequence did not fail on replay`;
    if (out.errorInstance instanceof DivergenceError) throw new DivergenceError(out.errorInstance.divergence, note);
    throw new Error(`${note}: ${String(out.errorInstance)}`);
  }
}

export const modelBased: Suite = {
  name: 'model-based',
  about: 'random create/delete/resize/align/mapping/bind/unbind/new_id/remove_id/drivers_probe/memmap/kmem state/online sequences agree with the model',
  cases: [
    { name: 'random command sequences', needs: { region: 'dynamic', spread: 'each-provider', boots: 'both' }, run: (ctx) => runModelBased(ctx, MODEL_BASED_DEFAULT) },
  ],
};
