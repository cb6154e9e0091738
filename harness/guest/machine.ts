// What cases, the runner and the fixture need of a running guest machine. The QEMU guest implements it;
// the fake lab implements it over the model, so the runner is testable without QEMU.
import type { ConsoleView } from './console-log.ts';
import type { ExecResult } from './ssh.ts';

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
}

export interface GuestMachine {
  readonly name: string;
  readonly alive: boolean;
  /** The QEMU process, when there is one (a fake machine has none). */
  readonly pid: number | null;
  readonly console: ConsoleView;
  /** Runs a shell command in the guest. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit is an error carrying the command and its output. */
  run(command: string, opts?: ExecOptions): Promise<string>;
  /** `command` (null: a shell) on this process's own stdin, stdout and stderr; resolves with its exit status. */
  attach(command: string | null): Promise<number>;
  /** Saves the whole machine as `name` (savevm). */
  saveSnapshot(name: string): Promise<void>;
  /** Puts the machine back exactly as saved (loadvm), whatever state the guest is in. */
  loadSnapshot(name: string): Promise<void>;
  stop(): Promise<void>;
}
