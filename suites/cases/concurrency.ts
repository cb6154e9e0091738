// Operations racing on one dynamic region: the guest helper releases 2-4 of them from one barrier, and
// the checker accepts the answers only if some serial order of them, applied to the model, explains each
// answer and the state after (harness/compare/linearize.ts). Writers (size, align, mapping, create,
// delete, device_dax bind/unbind, memmap_on_memory) race each other and readers of size, align,
// available_size, seed and mapping0/*. kmem stays out: a racing unbind with online blocks leaks memory
// until reboot, which would cost every later history a boot. A failing history is shrunk by replaying
// ever smaller histories on a fresh guest and saved as a recipe `daxh repro` replays.
import fc from 'fast-check';
import { DivergenceError } from '../../harness/compare/checker.ts';
import type { Observation } from '../../harness/model/observation.ts';
import { describeAction, type Action, type Op } from '../../harness/model/ops.ts';
import type { ProvisionedRegion } from '../../harness/lab/inventory.ts';
import { shrinkHistory } from '../../harness/recipe/shrink.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import { read } from '../ops.ts';
import { releasedDynamic } from '../lib.ts';
import { concretize, type Command } from './model-based.ts';

/** A reader of one attribute of the region or of one of its devices. */
type Reader = { r: 'available_size' | 'seed' } | { r: 'size' | 'align' | 'resource'; dev: number } | { r: 'mapping'; dev: number; attr: 'start' | 'end' | 'page_offset' };
export type Racer = { write: Command } | { read: Reader };

const dev = fc.nat(3);
/** The writers that race: the dax bus's own attributes, with device_dax as the only driver. */
const writerArb: fc.Arbitrary<Command> = fc.oneof(
  fc.constant<Command>({ c: 'create' }),
  dev.map<Command>((d) => ({ c: 'delete', dev: d })),
  fc.record({ c: fc.constant('size' as const), dev, eighths: fc.nat(8) }),
  fc.record({ c: fc.constant('align' as const), dev, align: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.record({ c: fc.constant('mapping' as const), dev, slot: fc.nat(15), blocks: fc.integer({ min: 1, max: 3 }) }),
  dev.map<Command>((d) => ({ c: 'bind', dev: d, driver: 'device_dax' })),
  dev.map<Command>((d) => ({ c: 'unbind', dev: d })),
  fc.record({ c: fc.constant('mom' as const), dev, on: fc.boolean() }),
);
const readerArb: fc.Arbitrary<Reader> = fc.oneof(
  fc.constantFrom<Reader>({ r: 'available_size' }, { r: 'seed' }),
  fc.record({ r: fc.constantFrom('size' as const, 'align' as const, 'resource' as const), dev }),
  fc.record({ r: fc.constant('mapping' as const), dev, attr: fc.constantFrom('start' as const, 'end' as const, 'page_offset' as const) }),
);
const racerArb: fc.Arbitrary<Racer> = fc.oneof({ arbitrary: writerArb.map((w) => ({ write: w })), weight: 3 }, { arbitrary: readerArb.map((r) => ({ read: r })), weight: 2 });

/** One history: serial writes that move the region somewhere (several devices, ranges, bindings), then a race. */
export interface RaceHistory {
  setup: Command[];
  race: Racer[];
}
export const historyArb: fc.Arbitrary<RaceHistory> = fc.record({ setup: fc.array(writerArb, { maxLength: 3 }), race: fc.array(racerArb, { minLength: 2, maxLength: 4 }) });

/** Binds a racer to the current real state. Pure. */
export function concretizeRacer(x: Racer, region: ProvisionedRegion, obs: Observation): Op {
  if ('write' in x) return concretize(x.write, region, obs);
  const devices = obs.devices.filter((d) => d.host === region.host);
  const name = (i: number) => devices[i % devices.length]!.name;
  const r = x.read;
  switch (r.r) {
    case 'available_size':
    case 'seed':
      return read.region(region.host, r.r);
    case 'size':
    case 'align':
    case 'resource':
      return read.device(name(r.dev), r.r);
    case 'mapping':
      return read.mapping(name(r.dev), 0, r.attr);
  }
}

/** The device an operation's file belongs to (its own attributes and its mappings'), if any. */
const fileOwner = (op: Op): string | null => (op.ref.kind === 'device' || op.ref.kind === 'mapping' ? op.ref.device : null);

/**
 * Leaves out of a race the operations on files of a device another racer deletes. On 6.9+ that race can
 * deadlock the whole dax bus (KNOWN_REPORTS: delete-drains-under-dax-region-rwsem), which costs the step
 * deadline and a reboot and ends the case: found once, it would hide everything after it.
 */
export function withoutKnownDeadlock(ops: readonly Op[]): Op[] {
  const deleted = new Set(ops.flatMap((o) => (o.op === 'write' && o.ref.kind === 'region' && o.ref.attr === 'delete' ? [o.value.trim()] : [])));
  return ops.filter((o) => !deleted.has(fileOwner(o) ?? ''));
}

export interface ConcurrencyConfig {
  /** Races per case; each is one helper exec with its observation. */
  histories: number;
  /** The case stops drawing new histories after this long (the rest are not run, and the count says so). */
  budgetMs: number;
  /** Replays the shrinking of a failure may cost. */
  shrinkReplays: number;
}

// Two dynamic providers (hmem, cxl-ram), each booted plain and with memmap_on_memory=1, × 250 races of
// about 0.1 s each under TCG: ≥ 200 per default run.
export const CONCURRENCY_DEFAULT: ConcurrencyConfig = { histories: 250, budgetMs: 120_000, shrinkReplays: 24 };

async function replays(ctx: CaseContext, history: readonly Action[]): Promise<boolean> {
  const checker = await ctx.fresh();
  try {
    for (const a of history) await checker.act(a);
    return false;
  } catch (err) {
    if (err instanceof DivergenceError) return true;
    throw err;
  }
}

export async function runConcurrency(ctx: CaseContext, cfg: ConcurrencyConfig): Promise<void> {
  const region = ctx.region;
  await releasedDynamic(ctx);
  const start = ctx.checker.history.length;
  const histories = fc.sample(historyArb, { seed: ctx.seed, numRuns: cfg.histories });
  const t0 = performance.now();
  let inFlight: Action | null = null;
  try {
    for (const h of histories) {
      if (performance.now() - t0 > cfg.budgetMs) break;
      for (const cmd of h.setup) {
        inFlight = concretize(cmd, region, ctx.checker.observation);
        await ctx.checker.step(inFlight);
      }
      const race = withoutKnownDeadlock(h.race.map((x) => concretizeRacer(x, region, ctx.checker.observation)));
      if (race.length < 2) continue;
      inFlight = { together: race };
      await ctx.checker.together(race);
    }
  } catch (err) {
    // A hang or a crash: the guest is gone or stuck, so nothing is replayed; the history through the
    // action that never returned is the recipe.
    if (!(err instanceof DivergenceError)) {
      if (inFlight) ctx.saveRecipe([...ctx.checker.history, inFlight]);
      throw err;
    }
    // Shrink what this case did after its set-up; races are timing-dependent, so a smaller history that
    // does not diverge again is not proof the part removed was innocent: the shrink keeps what it cannot drop.
    const full = ctx.checker.history.slice(start);
    const prefix = ctx.checker.history.slice(0, start);
    const shrunk = await shrinkHistory(full, (h) => replays(ctx, [...prefix, ...h]), cfg.shrinkReplays);
    const saved = [...prefix, ...shrunk.history];
    ctx.saveRecipe(saved);
    throw new DivergenceError(
      err.divergence,
      [
        `concurrency: seed ${ctx.seed}, ${shrunk.confirmed ? `shrunk to ${shrunk.history.length} action(s) in ${shrunk.replays} replays` : `did not diverge again in ${shrunk.replays} replays (a race lost on replay); the whole history is saved`}:`,
        ...saved.map((a, i) => `  ${i + 1}. ${describeAction(a)}`),
      ].join('\n'),
    );
  }
}

export const concurrency: Suite = {
  name: 'concurrency',
  about: 'racing writers and readers of the dax bus attributes; every history must be linearizable against the model',
  cases: [{ name: 'racing writers and readers', needs: { region: 'dynamic', spread: 'each-provider', boots: 'both' }, run: (ctx) => runConcurrency(ctx, CONCURRENCY_DEFAULT) }],
};
