// Reporters are plugins on one typed event stream: the runner emits, each reporter renders its own format.
// The multiplexer isolates them (Playwright's model): one that throws, or whose file cannot be written, is
// reported and dropped from that event, and every other reporter still gets every event.
import type { StepRecord } from '../compare/checker.ts';
import type { CaseResult, GuestLoss, RunIdentity, RunResults, SkippedProvisioning } from './results.ts';

export interface RunInfo extends RunIdentity {
  seed: number;
  totalCases: number;
}

export interface CaseRef {
  suite: string;
  topology: string;
  name: string;
  /** Position in the selection (stable across jobs). */
  index: number;
}

export type GuestEvent =
  | { kind: 'booting'; topology: string; guest: string }
  /** A guest up and provisioned: booted cold, or `resumed` from a saved machine. */
  | { kind: 'boot'; topology: string; guest: string; seconds: number; skipped: readonly SkippedProvisioning[]; resumed: boolean }
  | { kind: 'restore'; topology: string; guest: string; seconds: number }
  | { kind: 'lost'; loss: GuestLoss };

export interface Reporter {
  /** Shown when this reporter fails. */
  readonly name?: string;
  onRunStart?(info: RunInfo): void;
  onGuest?(e: GuestEvent): void;
  onCaseStart?(c: CaseRef): void;
  onStep?(c: CaseRef, step: StepRecord): void;
  onCaseEnd?(r: CaseResult, index: number): void;
  /** Files are written here; each reporter's write is independent of the others'. */
  onRunEnd?(run: RunResults): Promise<void> | void;
}

export interface ReporterFailure {
  reporter: string;
  /** The reporter itself: callers find theirs by identity, never by its name. */
  source: Reporter;
  event: string;
  message: string;
}

/** Fans one stream out to every reporter; a failing reporter is recorded, never propagated. */
export class Multiplexer implements Reporter {
  readonly failures: ReporterFailure[] = [];

  constructor(private readonly reporters: readonly Reporter[]) {}

  private each(event: string, call: (r: Reporter) => unknown): void {
    for (const r of this.reporters) {
      try {
        call(r);
      } catch (err) {
        this.record(r, event, err);
      }
    }
  }

  private record(r: Reporter, event: string, err: unknown): void {
    this.failures.push({ reporter: r.name ?? 'reporter', source: r, event, message: err instanceof Error ? err.message : String(err) });
  }

  onRunStart(info: RunInfo): void {
    this.each('run start', (r) => r.onRunStart?.(info));
  }

  onGuest(e: GuestEvent): void {
    this.each('guest', (r) => r.onGuest?.(e));
  }

  onCaseStart(c: CaseRef): void {
    this.each('case start', (r) => r.onCaseStart?.(c));
  }

  onStep(c: CaseRef, step: StepRecord): void {
    this.each('step', (r) => r.onStep?.(c, step));
  }

  onCaseEnd(result: CaseResult, index: number): void {
    this.each('case end', (r) => r.onCaseEnd?.(result, index));
  }

  async onRunEnd(run: RunResults): Promise<void> {
    const outcomes = await Promise.allSettled(this.reporters.map(async (r) => r.onRunEnd?.(run)));
    outcomes.forEach((o, i) => {
      if (o.status === 'rejected') this.record(this.reporters[i]!, 'run end', o.reason);
    });
  }
}
