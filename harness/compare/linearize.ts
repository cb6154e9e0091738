// What explains a kernel's answer to an operation, and, for operations that raced, whether some serial
// order of them explains every answer and the state after (linearizability, checked the way Wing & Gong's
// algorithm and Porcupine do: depth-first over orders, pruned at the first answer no order can give).
// Pure: the checker runs it; unit tests drive it with histories a kernel could and could not produce.
import { apply, divergenceKernels, lookupDivergence, observe, type ModelState } from '../model/index.ts';
import type { Observation } from '../model/observation.ts';
import type { Errno } from '../model/errno.ts';
import { compareReleases } from '../model/profiles.ts';
import { addCreatedDevice } from '../model/region.ts';
import { resultsAgree, type Op, type OpResult } from '../model/ops.ts';
import type { Difference } from './diff.ts';

/** One way the model explains a real answer: its prediction, a named alternative, or a known kernel bug. */
export interface Explanation {
  outcome: 'agreed' | 'branch' | 'known';
  predicted: OpResult;
  next: ModelState;
  /** The kernel is expected to print a WARNING on this path. */
  warning: boolean;
  /** The alternative or known divergence taken, with its reason (and release range for known ones). */
  by?: { id: string; reason: string; kernels?: string };
}

export type Agree = (expected: OpResult, actual: OpResult) => boolean;

/**
 * Every explanation of `actual` for `op` run in `before`, best first: the prediction, then the alternatives
 * whose result matches, then a known divergence. Empty: the answer is a divergence.
 */
export function explanations(before: ModelState, op: Op, actual: OpResult, kernel: string, agree: Agree = resultsAgree, raceStart?: ModelState): Explanation[] {
  const step = apply(before, op);
  const out: Explanation[] = [];
  if (agree(step.result, actual)) out.push({ outcome: 'agreed', predicted: step.result, next: step.next, warning: step.kernelWarning !== undefined });
  for (const a of step.alternatives ?? []) {
    if (agree(a.result, actual)) out.push({ outcome: 'branch', predicted: step.result, next: a.next, warning: false, by: { id: a.id, reason: a.reason } });
  }
  if (!out.length) {
    const known = lookupDivergence(kernel, op, before, actual, raceStart);
    if (known) out.push({ outcome: 'known', predicted: step.result, next: known.next, warning: step.kernelWarning !== undefined || known.warning, by: { id: known.row.id, reason: known.row.reason, kernels: divergenceKernels(known.row) } });
  }
  return out;
}

/**
 * Answers only a race can give: the operation found its target (opened the file, looked the device up)
 * before a racing operation removed it, and fails at its linearization point, where the target is gone,
 * changing nothing. Each names what it is found by, where the kernel decides, and the errno.
 */
const RACED_LOOKUPS: readonly { id: string; reason: string; errno: Errno; target: (op: Op) => Op | null }[] = [
  {
    id: 'raced-removal',
    reason: 'the file was opened before a racing operation removed it; kernfs refuses every later read or write of a drained attribute with ENODEV (kernfs_get_active in kernfs_fop_write_iter / kernfs_seq_start)',
    errno: 'ENODEV',
    target: (op) => ({ op: 'read', ref: op.ref }),
  },
  {
    id: 'raced-delete',
    reason: "delete_store found the device before a racing delete invalidated it: __free_dev_dax_id left its id at -1, so the `dev_dax->id > 0` test answers EBUSY (the kernel's comment: \"won the race to invalidate the device\")",
    errno: 'EBUSY',
    target: (op) => (op.op === 'write' && op.ref.kind === 'region' && op.ref.attr === 'delete' ? { op: 'read', ref: { kind: 'device', device: op.value.trim(), attr: 'size' } } : null),
  },
];

/**
 * Since c05ae9d85b47 (v6.9) create_store holds dax_region_rwsem while delete_store holds the region's device
 * lock and dax_dev_rwsem, so neither waits for the other: a create can take its id (ida_alloc in
 * __devm_create_dev_dax) before a racing delete frees the victim's, and choose the seed (at its end) after
 * the delete cleared it. The new device then has the id it would have had before the delete and becomes
 * the seed: not a state any serial order reaches, and not a wrong one (the seed is an empty device).
 */
const CREATE_INTERLEAVES_DELETE = {
  id: 'create-interleaves-delete',
  since: '6.9',
  reason:
    'create_store (dax_region_rwsem) and delete_store (region device lock, dax_dev_rwsem) do not exclude each other since c05ae9d85b47 (v6.9): ' +
    'the new device took its id before the racing delete freed the victim\'s, and chose the seed after the delete cleared it',
};

/** The state a create reaches when it interleaves with deletes this race ran: ids of the deleted devices count as taken. */
function createInterleaved(start: ModelState, state: ModelState, op: Op, kernel: string): ModelState | null {
  if (op.op !== 'write' || op.ref.kind !== 'region' || op.ref.attr !== 'create' || compareReleases(kernel, CREATE_INTERLEAVES_DELETE.since) < 0) return null;
  const r = state.regions.get(op.ref.host);
  if (!r || !apply(state, op).result.ok) return null;
  const deleted = [...start.devices.values()].filter((d) => d.host === r.host && !state.devices.has(d.name));
  if (!deleted.length) return null;
  const taken = new Set([...state.devices.values()].filter((d) => d.host === r.host).map((d) => d.id).concat(deleted.map((d) => d.id)));
  let id = 0;
  while (taken.has(id)) id++;
  return addCreatedDevice(state, r, id);
}

/**
 * unbind_store (drivers/base/bus.c) tests dev->driver before device_driver_detach() takes the device lock,
 * so two racing unbinds of one device both pass the test and both answer the byte count; the second detach
 * finds nothing bound and does nothing. Driver core behaviour, the same in every release.
 */
const RACED_UNBIND = {
  id: 'raced-unbind',
  reason: 'unbind_store tests dev->driver before device_driver_detach takes the device lock: a racing unbind that already detached the device leaves this one nothing to do, yet it answers success',
};

function unbindRaced(start: ModelState, state: ModelState, op: Op): boolean {
  if (op.op !== 'write' || op.ref.kind !== 'driver' || op.ref.attr !== 'unbind') return false;
  const name = op.value.trim();
  return start.devices.get(name)?.binding?.driver === op.ref.driver && state.devices.get(name)?.binding?.driver !== op.ref.driver;
}

const exists = (state: ModelState, probe: Op): boolean => {
  const r = apply(state, probe).result;
  return r.ok || r.errno !== 'ENOENT';
};

/** Explanations of an answer to one of the racing operations: the serial ones, else a raced lookup. */
function racedExplanations(start: ModelState, state: ModelState, op: Op, actual: OpResult, kernel: string, agree: Agree): Explanation[] {
  const ways = explanations(state, op, actual, kernel, agree, start);
  const interleaved = actual.ok ? createInterleaved(start, state, op, kernel) : null;
  if (interleaved) ways.push({ outcome: 'branch', predicted: apply(state, op).result, next: interleaved, warning: false, by: { id: CREATE_INTERLEAVES_DELETE.id, reason: CREATE_INTERLEAVES_DELETE.reason } });
  if (actual.ok && !ways.length && unbindRaced(start, state, op)) ways.push({ outcome: 'branch', predicted: apply(state, op).result, next: state, warning: false, by: RACED_UNBIND });
  if (ways.length || actual.ok) return ways;
  const rule = RACED_LOOKUPS.find((x) => {
    const probe = x.errno === actual.errno ? x.target(op) : null;
    return probe !== null && exists(start, probe) && !exists(state, probe);
  });
  return rule ? [{ outcome: 'branch', predicted: apply(state, op).result, next: state, warning: false, by: { id: rule.id, reason: rule.reason } }] : [];
}

export interface Linearization {
  /** Indexes into the raced operations, in the serial order that explains them. */
  order: number[];
  /** The explanation of each operation, by its index in the raced list. */
  steps: Explanation[];
  next: ModelState;
}

export type LinearizeResult =
  | { ok: true; witness: Linearization; explored: number }
  | {
      ok: false;
      explored: number;
      /** The longest serial prefix some order explained, and what stopped it. */
      closest: { order: number[]; stoppedBy: { index: number; expected: OpResult } | { differences: Difference[] } };
    };

export interface LinearizeInput {
  start: ModelState;
  ops: readonly Op[];
  results: readonly OpResult[];
  /** The state observed after all of them returned. */
  after: Observation;
  kernel: string;
  agree?: Agree;
  differences: (predicted: Observation, real: Observation) => Difference[];
}

/**
 * Searches the serial orders of operations that all overlapped in time (released from one barrier), so
 * any order is allowed. K operations have at most K! orders; K ≤ 16 is the helper's limit, and pruning at
 * the first unexplained answer keeps real searches to a few hundred applications.
 */
export function linearize(input: LinearizeInput): LinearizeResult {
  const { ops, results } = input;
  const n = ops.length;
  const agree = input.agree ?? resultsAgree;
  let explored = 0;
  let closest: Extract<LinearizeResult, { ok: false }>['closest'] = { order: [], stoppedBy: { index: 0, expected: apply(input.start, ops[0]!).result } };
  const order: number[] = [];
  const steps: Explanation[] = new Array(n);
  const used = new Array<boolean>(n).fill(false);

  const search = (state: ModelState): Linearization | null => {
    if (order.length === n) {
      const d = input.differences(observe(state), input.after);
      if (!d.length) return { order: [...order], steps: [...steps], next: state };
      if (closest.order.length < n || ('differences' in closest.stoppedBy && d.length < closest.stoppedBy.differences.length)) closest = { order: [...order], stoppedBy: { differences: d } };
      return null;
    }
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      explored++;
      const ways = racedExplanations(input.start, state, ops[i]!, results[i]!, input.kernel, agree);
      if (!ways.length && order.length >= closest.order.length && closest.order.length < n) {
        closest = { order: [...order], stoppedBy: { index: i, expected: apply(state, ops[i]!).result } };
      }
      for (const way of ways) {
        used[i] = true;
        order.push(i);
        steps[i] = way;
        const found = search(way.next);
        order.pop();
        used[i] = false;
        if (found) return found;
      }
    }
    return null;
  };

  const witness = search(input.start);
  return witness ? { ok: true, witness, explored } : { ok: false, explored, closest };
}
