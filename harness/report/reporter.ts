// Reporters are plugins on one event stream: the runner emits, each reporter renders its own format.
import type { CaseResult, RunResults } from './results.ts';

export interface RunInfo {
  kernel: string;
  image: string;
  accel: string;
  totalCases: number;
}

export interface Reporter {
  onRunStart?(info: RunInfo): void;
  onCaseStart?(c: { suite: string; topology: string; name: string; index: number }): void;
  onCaseEnd?(r: CaseResult, index: number): void;
  onRunEnd?(run: RunResults): Promise<void> | void;
}
