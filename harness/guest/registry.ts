// Every guest this process started, so that SIGINT/SIGTERM/SIGHUP (and a normal exit) end them all, by PID.
// The first signal aborts `interruption` and stops every guest; a run that said it writes reports on the way
// out (holdExit) gets to finish them, anything else exits as soon as the guests are gone. A second signal
// kills the guests at once and exits.
import { saveInternalError } from '../util/internal-error.ts';
import { printable } from '../util/terminal.ts';

export interface Stoppable {
  stop(): Promise<void>;
  /** Last resort when there is no time for a clean stop (process 'exit'): SIGKILL and clean up, synchronously. */
  killNow(): void;
}

const live = new Set<Stoppable>();
const controller = new AbortController();
/** Aborted by the first SIGINT/SIGTERM/SIGHUP. */
export const interruption: AbortSignal = controller.signal;
let exitCode: number | null = null;
let holders = 0;
let installed = false;

/** How long reports may take after an interrupt before the process exits regardless. */
const REPORT_GRACE_MS = 20_000;

function install(): void {
  if (installed) return;
  installed = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(sig, () => {
      if (exitCode !== null) {
        for (const g of live) g.killNow();
        process.exit(exitCode);
      }
      exitCode = code;
      controller.abort();
      void Promise.allSettled([...live].map((g) => g.stop())).then(() => {
        if (holders === 0) process.exit(code);
      });
      setTimeout(() => process.exit(code), REPORT_GRACE_MS).unref();
    });
  }
  process.once('exit', () => {
    for (const g of live) g.killNow();
  });
  // An error nobody awaited (a library event without a listener) is a harness bug; it must not take the
  // results with it: a run stops as if interrupted and writes its reports, anything else ends cleanly.
  process.on('uncaughtException', (err) => {
    const where = saveInternalError(err);
    process.stderr.write(`daxh: internal error: ${printable(err.message)} (a harness bug; ${where})${holders > 0 ? '; stopping the run and writing its reports' : ''}\n`);
    if (exitCode === null) exitCode = 3; // EXIT.error: the harness could not finish, which says nothing about the kernel
    if (holders > 0 && !controller.signal.aborted) {
      controller.abort();
      void Promise.allSettled([...live].map((g) => g.stop()));
      setTimeout(() => process.exit(exitCode ?? 1), REPORT_GRACE_MS).unref();
      return;
    }
    for (const g of live) g.killNow();
    process.exit(exitCode);
  });
}

export function track(g: Stoppable): void {
  install();
  live.add(g);
}

export function untrack(g: Stoppable): void {
  live.delete(g);
}

/**
 * Declares that the caller will finish its reports after an interrupt instead of being cut off; returns the
 * release. Also installs the handlers, so an interrupt before the first guest is caught too.
 */
export function holdExit(): () => void {
  install();
  holders++;
  return () => {
    holders--;
  };
}

/** The exit status the interrupting signal asks for (130, 143, 129), or null when nothing interrupted. */
export function interruptExitCode(): number | null {
  return exitCode;
}
