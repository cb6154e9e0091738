// daxh run --profile: where the wall time of a run went. Per topology the guests' cold boots, resumes of
// saved machines and snapshot restores (from the live guest events), then per suite and topology the cases' own time split into the
// round trips to the guest helper, the fresh starts mid-case (a reset, a restore or a boot) and the rest
// (the model, the linearizability search, the case's code and its own waits), so a slow group says whether
// it waits on the guest, on new guests, or works on the host.
import { durationText, textTable } from './facts.ts';
import { caseId, type CaseResult, type RunResults } from './results.ts';
import type { GuestEvent, Reporter } from './reporter.ts';
import { printable } from '../util/terminal.ts';

export interface GuestTotals {
  boots: number;
  bootMs: number;
  resumes: number;
  resumeMs: number;
  restores: number;
  restoreMs: number;
}

const NO_GUESTS: GuestTotals = { boots: 0, bootMs: 0, resumes: 0, resumeMs: 0, restores: 0, restoreMs: 0 };

const sum = (cs: readonly CaseResult[], f: (c: CaseResult) => number): number => cs.reduce((n, c) => n + f(c), 0);
const tripsOf = (c: CaseResult) => c.timing?.roundTrips ?? 0;
const guestOf = (c: CaseResult) => c.timing?.guestMs ?? 0;
const freshOf = (c: CaseResult) => c.timing?.freshMs ?? 0;

/** The profile of a finished run, given the guests' boot and restore times per topology. */
export function profileText(run: RunResults, guests: ReadonlyMap<string, GuestTotals>, slowest = 5): string {
  const ran = run.cases.filter((c) => c.status !== 'skipped');
  const topologies = [...new Set(run.cases.map((c) => c.topology))];
  const guestRows = [['topology', 'cold boots', 'boot time', 'resumed', 'resume time', 'restores', 'restore time', 'case setup']];
  for (const t of topologies) {
    const g = guests.get(t) ?? NO_GUESTS;
    guestRows.push([t, String(g.boots), durationText(g.bootMs), String(g.resumes), durationText(g.resumeMs), String(g.restores), durationText(g.restoreMs), durationText(sum(run.cases.filter((c) => c.topology === t), (c) => c.setupMs ?? 0))]);
  }
  const caseRows = [['suite', 'topology', 'cases', 'time', 'round trips', 'in the guest', 'per trip', 'fresh starts', 'their time', 'host and waits', 'checks/s']];
  for (const key of [...new Set(ran.map((c) => `${c.suite}\t${c.topology}`))]) {
    const [suite, topology] = key.split('\t') as [string, string];
    const cs = ran.filter((c) => c.suite === suite && c.topology === topology);
    const [time, trips, guest, fresh] = [sum(cs, (c) => c.durationMs), sum(cs, tripsOf), sum(cs, guestOf), sum(cs, freshOf)];
    caseRows.push([suite, topology, String(cs.length), durationText(time), String(trips), durationText(guest), trips ? durationText(guest / trips) : '-', String(sum(cs, (c) => c.timing?.freshStarts ?? 0)), durationText(fresh), durationText(Math.max(0, time - guest - fresh)), time ? (sum(cs, (c) => c.checks) / (time / 1000)).toFixed(1) : '-']);
  }
  const top = [...ran].sort((a, b) => b.durationMs - a.durationMs).slice(0, slowest);
  const caseTime = sum(ran, (c) => c.durationMs);
  const guestTime = sum(ran, guestOf);
  return printable(
    [
      `where the time went (--profile): ${durationText(run.durationMs)} of wall time; the cases took ${durationText(caseTime)}, ${durationText(guestTime)} of it in ${sum(ran, tripsOf)} round trips to the guest helper`,
      '',
      ...textTable(guestRows, 1),
      '',
      ...textTable(caseRows, 2),
      '',
      `slowest cases:`,
      ...top.map((c) => `  ${durationText(c.durationMs).padStart(9)}  ${caseId(c)}: ${tripsOf(c)} round trips, ${durationText(guestOf(c))} in the guest${c.timing?.freshStarts ? `; ${c.timing.freshStarts} fresh starts, ${durationText(freshOf(c))}` : ''}`),
    ].join('\n'),
  );
}

/** Collects the guests' boot, resume and restore times as they happen, and prints the profile at the end. */
export class ProfileReporter implements Reporter {
  readonly name = 'profile';
  private readonly guests = new Map<string, GuestTotals>();
  constructor(private readonly out: { write(s: string): boolean } = process.stderr) {}

  onGuest(e: GuestEvent): void {
    if (e.kind !== 'boot' && e.kind !== 'restore') return;
    const g = this.guests.get(e.topology) ?? NO_GUESTS;
    if (e.kind === 'boot' && e.resumed) this.guests.set(e.topology, { ...g, resumes: g.resumes + 1, resumeMs: g.resumeMs + e.seconds * 1000 });
    else if (e.kind === 'boot') this.guests.set(e.topology, { ...g, boots: g.boots + 1, bootMs: g.bootMs + e.seconds * 1000 });
    else this.guests.set(e.topology, { ...g, restores: g.restores + 1, restoreMs: g.restoreMs + e.seconds * 1000 });
  }

  onRunEnd(run: RunResults): void {
    this.out.write(`\n${profileText(run, this.guests)}\n`);
  }
}
