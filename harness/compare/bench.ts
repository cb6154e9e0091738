// The linearizability check's cost per race: 4 operations of the model bench's mix, answered as a kernel
// would in a shuffled serial order, then searched back. A race on a guest costs about 100 ms under TCG,
// so the search must stay a small share of that.
import { diff } from './diff.ts';
import { linearize } from './linearize.ts';
import { apply, initState, observe } from '../model/index.ts';
import { BLOCK, benchInventory, opMix, prng } from '../model/bench.ts';
import type { OpResult } from '../model/ops.ts';
import { profileFor } from '../model/profiles.ts';
import type { State } from '../model/state.ts';

/** Mean microseconds per 4-operation race over 2000 races (the witness must be found every time). */
export function benchLinearizeMicrosPerRace(): number {
  const RACES = 2000;
  const K = 4;
  const ops = opMix(RACES * (K + 1), 0x11ea);
  const rnd = prng(0x0dd);
  let s: State = initState(benchInventory(), profileFor('6.12.117', { memmapOnMemoryParam: 'Y', blockSize: BLOCK, autoOnline: 'online' }));
  let spent = 0;
  for (let i = 0; i < RACES; i++) {
    // One serial step moves the state on, then K operations race from there.
    s = apply(s, ops[i * (K + 1)]!).next;
    const race = ops.slice(i * (K + 1) + 1, (i + 1) * (K + 1));
    const order = race.map((_, j) => j).sort(() => rnd() - 0.5);
    const results: OpResult[] = new Array(K);
    let after = s;
    for (const j of order) {
      const step = apply(after, race[j]!);
      results[j] = step.result;
      after = step.next;
    }
    const t0 = performance.now();
    const found = linearize({ start: s, ops: race, results, after: observe(after), kernel: '6.12.117', differences: diff });
    spent += performance.now() - t0;
    if (!found.ok) throw new Error(`bench: race ${i} has no witness although it was run serially`);
    s = after;
  }
  return Math.round((spent * 1000) / RACES);
}
