// What the checker needs from a kernel: run a batch of operations, observe, and hand over the kernel log
// since the previous step. The guest driver implements it over SSH; a fake implements it over the model.
import type { Observation } from '../model/observation.ts';
import type { Op, OpResult } from '../model/ops.ts';

export interface KernelLogLine {
  seq: number;
  /** syslog level: prio & 7 */
  level: number;
  msg: string;
}

export interface StepOutcome {
  results: OpResult[];
  /** Per operation, for a write with failNth: whether its Nth allocation came and failed. */
  injected?: (boolean | undefined)[];
  observation: Observation;
  kernelLog: KernelLogLine[];
}

export interface StepDriver {
  /** Runs `ops` in order, then observes. The kernel log covers exactly this step. */
  step(ops: readonly Op[]): Promise<StepOutcome>;
  /** Runs `ops` at once, racing each other, then observes; results are in the order of `ops`. */
  together(ops: readonly Op[]): Promise<StepOutcome>;
  observe(): Promise<Observation>;
  /** Maps the device's node (mmap, touch, munmap: the helper's M request), then observes. */
  mmap(device: string, length: bigint): Promise<StepOutcome>;
}

/** `driver` with every call passed through `around` (timing, a test fault): the one place that lists the calls. */
export function aroundEachCall(driver: StepDriver, around: <R>(call: () => Promise<R>) => Promise<R>): StepDriver {
  return {
    step: (ops) => around(() => driver.step(ops)),
    together: (ops) => around(() => driver.together(ops)),
    observe: () => around(() => driver.observe()),
    mmap: (device, length) => around(() => driver.mmap(device, length)),
  };
}

/** A driver whose kernel log position follows machine snapshots (a restored machine's log went back too). */
export interface LabDriver extends StepDriver {
  readonly logPosition: number;
  rewindLog(position: number): void;
}
