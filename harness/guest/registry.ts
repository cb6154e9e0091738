// Every guest this process started, so that SIGINT/SIGTERM (and a normal exit) end them all, by PID.
export interface Stoppable {
  stop(): Promise<void>;
  /** Last resort when there is no time for a clean stop (process 'exit'): SIGKILL and clean up, synchronously. */
  killNow(): void;
}

const live = new Set<Stoppable>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(sig, () => {
      const all = [...live];
      void Promise.allSettled(all.map((g) => g.stop())).then(() => process.exit(code));
      setTimeout(() => process.exit(code), 8000).unref();
    });
  }
  process.once('exit', () => {
    for (const g of live) g.killNow();
  });
}

export function track(g: Stoppable): void {
  install();
  live.add(g);
}

export function untrack(g: Stoppable): void {
  live.delete(g);
}

export function liveGuests(): number {
  return live.size;
}
