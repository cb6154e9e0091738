// Model-checked stepping: every operation runs on the real kernel and in the model; the result, the whole
// observed state, the invariants and the kernel log are compared. The first divergence stops the case with
// a report a maintainer can act on. Known kernel divergences are recorded, not failed.
import type { GuestDriver, KernelLogLine } from '../driver/driver.ts';
import { apply, checkInvariants, lookupDivergence, observe, type ModelState } from '../model/index.ts';
import type { Observation } from '../model/observation.ts';
import { describeOp, type Op, type OpResult } from '../model/ops.ts';
import type { KnownHit } from '../report/results.ts';
import { classifyLine } from '../guest/console-scan.ts';
import { diff, render, renderDiff } from './diff.ts';

export interface CheckerContext {
  topology: string;
  kernel: string;
}

export class DivergenceError extends Error {}

export function renderResult(r: OpResult): string {
  return r.ok ? (r.value !== undefined ? `ok ${JSON.stringify(r.value)}` : 'ok') : r.errno;
}

function sameResult(a: OpResult, b: OpResult): boolean {
  return a.ok === b.ok && (a.ok ? b.ok && (a.value === undefined || a.value === b.value) : !b.ok && a.errno === b.errno);
}

export class Checker {
  checks = 0;
  readonly known: KnownHit[] = [];
  readonly history: Op[] = [];

  constructor(
    private readonly driver: GuestDriver,
    private model: ModelState,
    private readonly ctx: CheckerContext,
    /** The real state as last observed; cases pick their next operation from it. */
    public observation: Observation,
  ) {}

  get state(): ModelState {
    return this.model;
  }

  /** Runs one operation on both sides and compares everything; returns the real result. */
  async step(op: Op): Promise<OpResult> {
    const before = this.model;
    const predicted = apply(before, op);
    const real = await this.driver.step([op]);
    const actual = real.results[0]!;
    this.history.push(op);
    let next = predicted.next;
    this.checks++;
    if (!sameResult(predicted.result, actual)) {
      const known = lookupDivergence(this.ctx.kernel, op, before, actual);
      if (!known) this.fail(describeOp(op), `result: expected ${renderResult(predicted.result)}, got ${renderResult(actual)}`, real.kernelLog);
      this.known.push({ id: known.id, reason: known.reason, step: describeOp(op) });
      next = known.actualNext ? known.actualNext(before) : next;
    }
    this.model = next;
    this.observation = real.observation;
    this.compareState(describeOp(op), real.observation, real.kernelLog, predicted.kernelWarning);
    return actual;
  }

  /** A check that is not a model step (e.g. the provisioned inventory against the topology's expectations). */
  expectEqual(what: string, expected: unknown, actual: unknown): void {
    this.checks++;
    const d = diff(expected, actual);
    if (d.length) this.fail(what, `expected ${render(expected)}, got ${render(actual)}${d.length > 1 ? `:\n${renderDiff(d)}` : ''}`, []);
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
    this.compareState(what, real.observation, real.kernelLog);
  }

  private compareState(step: string, real: Observation, log: KernelLogLine[], expectedWarning?: string): void {
    this.checks++;
    const d = diff(observe(this.model), real);
    if (d.length) this.fail(step, `state after the step differs from the model:\n${renderDiff(d)}`, log);
    this.checks++;
    const broken = checkInvariants(real);
    if (broken.length) this.fail(step, `invariants violated:\n${broken.map((b) => `  ${b}`).join('\n')}`, log);
    // A predicted WARN (and its trace) is the kernel doing what the model says; anything else is trouble.
    // WARN_ONCE sites print only once per boot, so a predicted warning is allowed, not required.
    const allowed = new Set(expectedWarning ? ['warning', 'call-trace'] : []);
    const trouble = log.filter((l) => {
      const kind = classifyLine(l.msg);
      return kind !== null && !allowed.has(kind);
    });
    if (trouble.length) this.fail(step, `kernel reported trouble during the step:\n${trouble.map((l) => `  ${l.msg}`).join('\n')}`, log);
  }

  private fail(step: string, what: string, log: KernelLogLine[]): never {
    const steps = this.history.map((o, i) => `  ${i + 1}. ${describeOp(o)}`).join('\n');
    const dmesg = log.length ? log.map((l) => `  ${l.msg}`).join('\n') : '  (nothing)';
    throw new DivergenceError(
      `divergence on ${this.ctx.topology}, kernel ${this.ctx.kernel}\n` +
        `operation: ${step}\n${what}\n` +
        `steps so far:\n${steps}\n` +
        `kernel log of this step:\n${dmesg}`,
    );
  }
}
