// Model-checked stepping: every operation runs on the real kernel and in the model; the result, the whole
// observed state, the invariants and the kernel log are compared. The first divergence stops the case with
// a structured report a maintainer can act on. Known kernel divergences are recorded, not failed, and an
// outcome the kernel may legitimately choose (a named alternative) is followed, not failed.
import type { StepDriver } from '../driver/step-driver.ts';
import { ALLOCATION_FAILURE_ERRNOS, allocationFailed, apply, checkInvariants, divergenceKernels, expectedDivergence, lookupAllocationFailures, mmapResult, observe, toleratedFailures, type ModelState } from '../model/index.ts';
import type { Observation } from '../model/observation.ts';
import { describeAction, describeOp, isTogether, renderResult, resultsAgree, type Action, type Op, type OpResult } from '../model/ops.ts';
import { diff, renderValue, type Difference } from './diff.ts';
import { isFailure, judgeKernelLog, knownReport, type KernelReport, type LogVerdict } from './judge.ts';
import { OpCoverage } from './op-coverage.ts';
import { explanations, linearize, type Explanation, type LinearizeInput, type LinearizeResult } from './linearize.ts';

export interface CheckerContext {
  topology: string;
  kernel: string;
}

export interface KnownHit {
  id: string;
  reason: string;
  step: string;
  /** The release range the bug is known in, and the kernels it was measured on (absent in older results). */
  kernels?: string;
}

/** A named alternative outcome the kernel took instead of the model's first prediction. */
export interface BranchHit {
  id: string;
  reason: string;
  step: string;
}

/** One checked step, as reports show it. */
export interface StepRecord {
  /** 1-based position in the case's history. */
  index: number;
  operation: string;
  /** What the model predicted (`external` for a step that is not one sysfs operation). */
  expected: string;
  actual: string;
  outcome: 'agreed' | 'known' | 'branch' | 'diverged';
  /** The known divergence or alternative that explained the result. */
  explainedBy?: string;
  kernelLog: string[];
}

export type DivergenceKind = 'result' | 'state' | 'invariants' | 'kernel-log' | 'expectation' | 'linearizability';

/** Everything a maintainer needs about the first disagreement, as data (reports render it their own way). */
export interface Divergence {
  kind: DivergenceKind;
  topology: string;
  kernel: string;
  /** The step it happened at (1-based), and what that step did. */
  step: number;
  operation: string;
  expected?: string;
  actual?: string;
  /** State differences by path, values rendered. */
  differences?: { path: string; expected: string; actual: string }[];
  violations?: string[];
  report?: KernelReport;
  kernelLog: string[];
  /** The operations up to and including this one. */
  history: string[];
}

/** One line: what a CI viewer shows first. */
export function divergenceSummary(d: Divergence): string {
  switch (d.kind) {
    case 'result':
    case 'expectation':
      return `${d.operation}: expected ${d.expected}, got ${d.actual}`;
    case 'state': {
      const [first, ...rest] = d.differences ?? [];
      return `${d.operation}: state differs${first ? `, ${first.path}: expected ${first.expected}, got ${first.actual}` : ''}${rest.length ? ` (+${rest.length} more)` : ''}`;
    }
    case 'invariants':
      return `${d.operation}: invariant violated: ${d.violations?.[0] ?? ''}${(d.violations?.length ?? 0) > 1 ? ` (+${d.violations!.length - 1} more)` : ''}`;
    case 'kernel-log':
      return `${d.operation}: kernel ${d.report?.kind ?? 'report'}: ${d.report?.signature ?? ''}`;
    case 'linearizability':
      return `${d.operation}: no serial order explains the answers (${d.actual})`;
  }
}

export function renderDivergence(d: Divergence): string {
  let what: string;
  switch (d.kind) {
    case 'result':
      what = `result: expected ${d.expected}, got ${d.actual}`;
      break;
    case 'expectation':
      what = `expected ${d.expected}, got ${d.actual}${(d.differences?.length ?? 0) > 1 ? `:\n${d.differences!.map((x) => `  ${x.path}: expected ${x.expected}, got ${x.actual}`).join('\n')}` : ''}`;
      break;
    case 'state':
      what = `state after the step differs from the model:\n${d.differences!.map((x) => `  ${x.path}: expected ${x.expected}, got ${x.actual}`).join('\n')}`;
      break;
    case 'invariants':
      what = `invariants violated:\n${d.violations!.map((v) => `  ${v}`).join('\n')}`;
      break;
    case 'kernel-log':
      what = `kernel reported trouble during the step (${d.report!.kind}, ${d.report!.signature}):\n${d.report!.excerpt.split('\n').map((l) => `  ${l}`).join('\n')}`;
      break;
    case 'linearizability':
      what = `the operations raced, and no serial order of them explains what the kernel answered: ${d.actual}\n  closest order: ${d.expected}${d.differences?.length ? `\n${d.differences.map((x) => `  ${x.path}: expected ${x.expected}, got ${x.actual}`).join('\n')}` : ''}`;
      break;
  }
  return [
    `divergence on ${d.topology}, kernel ${d.kernel}`,
    `operation: ${d.operation}`,
    what,
    'steps so far:',
    ...d.history.map((o, i) => `  ${i + 1}. ${o}`),
    'kernel log of this step:',
    ...(d.kernelLog.length ? d.kernelLog.map((l) => `  ${l}`) : ['  (nothing)']),
  ].join('\n');
}

export class DivergenceError extends Error {
  /** `context`: what found it (a seed and the shrunk history), shown above the divergence. */
  constructor(readonly divergence: Divergence, context?: string) {
    super(context ? `${context}\n${renderDivergence(divergence)}` : renderDivergence(divergence));
  }
}

/**
 * The write failed where its injected allocation failure made it fail: intended with an errno of
 * ALLOCATION_FAILURE_ERRNOS, leaving no trace (allocationFailed); then the known answers of this kernel,
 * with what each leaves. The caller takes the first whose state is the real one.
 */
function allocationFailure(kernel: string, before: ModelState, op: Op, actual: OpResult): Explanation[] {
  if (actual.ok || op.op !== 'write') return [];
  const left = allocationFailed(before, op);
  const way = { predicted: apply(before, op).result, next: left.next, warning: left.warning !== undefined };
  const intended: Explanation[] = ALLOCATION_FAILURE_ERRNOS.includes(actual.errno)
    ? [{ ...way, outcome: 'branch', by: { id: 'allocation-failure', reason: `allocation ${op.failNth} of the write failed (failslab), and the write failed with ${actual.errno}, undoing what it had done` } }]
    : [];
  const known = lookupAllocationFailures(kernel, op, actual).map((k): Explanation => ({ ...way, ...(k.actualNext ? { next: k.actualNext(left.next, op) } : {}), outcome: 'known', by: { id: k.id, reason: k.reason, kernels: divergenceKernels(k) } }));
  return [...intended, ...known];
}

const rendered = (d: readonly Difference[]) => d.map((x) => ({ path: x.path, expected: renderValue(x.expected), actual: renderValue(x.actual) }));

export class Checker {
  checks = 0;
  readonly known: KnownHit[] = [];
  readonly branches: BranchHit[] = [];
  /** Known divergences this kernel was expected to show at some step and did not. */
  readonly fixed: string[] = [];
  readonly history: Action[] = [];
  readonly steps: StepRecord[] = [];
  /** Operation × state pairs this checker ran, and how many operations raced in groups. */
  readonly coverage = new OpCoverage();
  races = 0;

  constructor(
    private readonly driver: StepDriver,
    private model: ModelState,
    private readonly ctx: CheckerContext,
    /** The real state as last observed; cases pick their next operation from it. */
    public observation: Observation,
    private readonly onStep: (r: StepRecord) => void = () => {},
  ) {}

  get state(): ModelState {
    return this.model;
  }

  // The comparisons, each a seam: unit tests replace one with a cheat and prove a test catches it.
  protected resultsAgree(expected: OpResult, actual: OpResult): boolean {
    return resultsAgree(expected, actual);
  }

  protected stateDifferences(predicted: Observation, real: Observation): Difference[] {
    return diff(predicted, real);
  }

  protected invariantViolations(real: Observation): string[] {
    return checkInvariants(real);
  }

  protected linearize(input: LinearizeInput): LinearizeResult {
    return linearize(input);
  }

  protected judge(lines: readonly string[], warningPredicted: boolean, allocationFailed: boolean): LogVerdict {
    return judgeKernelLog(lines, warningPredicted, allocationFailed);
  }

  /** Runs one operation on both sides and compares everything; returns the real result. */
  async step(op: Op): Promise<OpResult> {
    return (await this.stepInjecting(op)).result;
  }

  /**
   * `step`, also telling whether the write's failNth allocation came (and failed). When it did, the write
   * may also fail with an allocation-failure errno and leave the state as it was: that is a branch, and
   * the state is checked against the state before, so a partial undo shows as a difference.
   */
  async stepInjecting(op: Op): Promise<{ result: OpResult; injected: boolean }> {
    const before = this.model;
    const real = await this.driver.step([op]);
    const actual = real.results[0]!;
    const injected = real.injected?.[0] === true;
    this.history.push(op);
    this.checks++;
    this.coverage.add(op, before, actual);
    const ways = [...explanations(before, op, actual, this.ctx.kernel, (a, b) => this.resultsAgree(a, b)), ...(injected ? allocationFailure(this.ctx.kernel, before, op, actual) : [])];
    const [first] = ways;
    const record = this.record(op, first?.predicted ?? apply(before, op).result, actual, real.kernelLog);
    if (!first) this.resultDiverged(record);
    const way = injected ? this.injectedWay(actual.ok ? this.withTolerated(first, before) : ways, real.observation) : first;
    this.follow(way, record, op, before);
    this.model = way.next;
    this.observation = real.observation;
    this.compareState(record, real.observation, way.warning, injected);
    return { result: actual, injected };
  }

  /**
   * An injected write that succeeded: the ordinary prediction, then the states the kernel leaves when it
   * lets the failed allocation pass (toleratedFailures), each a branch.
   */
  private withTolerated(way: Explanation, before: ModelState): Explanation[] {
    return [way, ...toleratedFailures(before, way.next).map(({ next, id, reason }) => (way.outcome === 'agreed' ? { ...way, next, outcome: 'branch' as const, by: { id, reason } } : { ...way, next }))];
  }

  /** Of the ways an injected write may have gone, the first whose state is the real one; else the first, whose differences are then reported. */
  private injectedWay(ways: readonly Explanation[], real: Observation): Explanation {
    return ways.find((w) => this.stateDifferences(observe(w.next), real).length === 0) ?? ways[0]!;
  }

  /**
   * Runs operations at once on the kernel (racing) and accepts the answers only if some serial order of
   * them, applied to the model, gives every answer and the state observed afterwards.
   */
  async together(ops: readonly Op[]): Promise<OpResult[]> {
    const before = this.model;
    const real = await this.driver.together(ops);
    this.history.push({ together: ops });
    this.checks += ops.length;
    this.races++;
    const kernelLog = real.kernelLog.map((l) => l.msg);
    const operation = describeAction({ together: ops });
    const actual = real.results.map(renderResult).join(' | ');
    const found = this.linearize({ start: before, ops, results: real.results, after: real.observation, kernel: this.ctx.kernel, agree: (a, b) => this.resultsAgree(a, b), differences: (p, r) => this.stateDifferences(p, r) });
    if (!found.ok) {
      const { order, stoppedBy } = found.closest;
      const prefix = order.map((i) => describeOp(ops[i]!)).join(', ') || '(none)';
      const expected = 'index' in stoppedBy ? `${prefix}, then ${describeOp(ops[stoppedBy.index]!)} -> ${renderResult(stoppedBy.expected)}` : `${prefix} (state differs)`;
      this.emit({ index: this.history.length, operation, expected: `${found.explored} orders tried`, actual, outcome: 'diverged', kernelLog });
      this.fail({ kind: 'linearizability', operation, expected, actual, ...('differences' in stoppedBy ? { differences: rendered(stoppedBy.differences) } : {}), kernelLog });
    }
    const { witness } = found;
    let state = before;
    for (const i of witness.order) {
      const way = witness.steps[i]!;
      this.coverage.add(ops[i]!, state, real.results[i]!);
      this.follow(way, this.record(ops[i]!, way.predicted, real.results[i]!, []), ops[i]!, state);
      state = way.next;
    }
    this.model = witness.next;
    this.observation = real.observation;
    const record: StepRecord = { index: this.history.length, operation, expected: `in order ${witness.order.map((i) => i + 1).join(', ')}`, actual, outcome: 'agreed', kernelLog };
    this.compareState(record, real.observation, witness.steps.some((w) => w.warning));
    return real.results;
  }

  /**
   * Maps /dev/<device> and touches it (device.c's open, mmap and fault paths), checked against the model's
   * mmapResult; nothing on the bus may change. Not a sysfs operation, so it is not in the history a recipe
   * replays.
   */
  async mmap(device: string, length: bigint): Promise<OpResult> {
    const real = await this.driver.mmap(device, length);
    const actual = real.results[0]!;
    const expected = mmapResult(this.model, device, length);
    this.checks++;
    const record: StepRecord = { index: this.history.length, operation: `mmap /dev/${device} ${length} bytes, touch its ends`, expected: renderResult(expected), actual: renderResult(actual), outcome: 'agreed', kernelLog: real.kernelLog.map((l) => l.msg) };
    if (!this.resultsAgree(expected, actual)) this.resultDiverged(record);
    this.observation = real.observation;
    this.compareState(record, real.observation, false);
    return actual;
  }

  /** Runs an entry of a saved history (a recipe step). */
  async act(a: Action): Promise<void> {
    if (isTogether(a)) await this.together(a.together);
    else await this.step(a);
  }

  private record(op: Op, predicted: OpResult, actual: OpResult, log: readonly { msg: string }[]): StepRecord {
    return { index: this.history.length, operation: describeOp(op), expected: renderResult(predicted), actual: renderResult(actual), outcome: 'agreed', kernelLog: log.map((l) => l.msg) };
  }

  /** Records which explanation the kernel's answer took: a fix of a known bug, a branch, a known divergence. */
  private follow(way: Explanation, record: StepRecord, op: Op, before: ModelState): void {
    if (way.outcome === 'agreed') {
      const fixed = expectedDivergence(this.ctx.kernel, op, before);
      if (fixed && !this.fixed.includes(fixed.id)) this.fixed.push(fixed.id);
      return;
    }
    const hit = { id: way.by!.id, reason: way.by!.reason, step: record.operation };
    if (way.outcome === 'branch') this.branches.push(hit);
    else this.known.push({ ...hit, kernels: way.by!.kernels });
    Object.assign(record, { outcome: way.outcome, explainedBy: way.by!.id });
  }

  /** A check that is not a model step (e.g. the provisioned inventory against the topology's expectations). */
  expectEqual(what: string, expected: unknown, actual: unknown): void {
    this.checks++;
    const d = diff(expected, actual);
    if (d.length) this.fail({ kind: 'expectation', operation: what, expected: renderValue(expected), actual: renderValue(actual), differences: rendered(d), kernelLog: [] }, false);
  }

  /**
   * Something not expressible as one sysfs write (a daxctl command, a module load) ran in the guest; the
   * model is told the raw operations it amounts to, and the resulting real state must match.
   */
  async external(what: string, equivalent: readonly Op[], action: () => Promise<void>): Promise<void> {
    for (const op of equivalent) this.model = apply(this.model, op).next;
    this.history.push(...equivalent);
    await action();
    const real = await this.driver.step([]);
    this.observation = real.observation;
    const record: StepRecord = { index: this.history.length, operation: what, expected: 'external', actual: 'external', outcome: 'agreed', kernelLog: real.kernelLog.map((l) => l.msg) };
    this.compareState(record, real.observation, false);
  }

  private resultDiverged(record: StepRecord): never {
    this.emit({ ...record, outcome: 'diverged' });
    return this.fail({ kind: 'result', operation: record.operation, expected: record.expected, actual: record.actual, kernelLog: record.kernelLog });
  }

  private compareState(record: StepRecord, real: Observation, warningPredicted: boolean, allocationFailed = false): void {
    const base = { operation: record.operation, kernelLog: record.kernelLog };
    const failWith = (d: Omit<Divergence, 'topology' | 'kernel' | 'step' | 'history'>): never => {
      this.emit({ ...record, outcome: 'diverged' });
      return this.fail(d);
    };
    this.checks++;
    const d = this.stateDifferences(observe(this.model), real);
    if (d.length) failWith({ ...base, kind: 'state', differences: rendered(d) });
    this.checks++;
    const broken = this.invariantViolations(real);
    if (broken.length) failWith({ ...base, kind: 'invariants', violations: broken });
    const verdict = this.judge(record.kernelLog, warningPredicted, allocationFailed);
    const known = isFailure(verdict) ? knownReport(this.ctx.kernel, verdict.report, [], [...this.steps.flatMap((r) => r.kernelLog), ...record.kernelLog], record.operation) : undefined;
    if (known) {
      this.known.push({ ...known, step: record.operation });
      Object.assign(record, { outcome: 'known', explainedBy: known.id });
    } else if (isFailure(verdict)) failWith({ ...base, kind: 'kernel-log', report: verdict.report });
    this.emit(record);
  }

  private emit(record: StepRecord): void {
    this.steps.push(record);
    this.onStep(record);
  }

  private fail(d: Omit<Divergence, 'topology' | 'kernel' | 'step' | 'history'>, withHistory = true): never {
    throw new DivergenceError({ ...d, topology: this.ctx.topology, kernel: this.ctx.kernel, step: withHistory ? this.history.length : 0, history: withHistory ? this.history.map(describeAction) : [] });
  }
}
