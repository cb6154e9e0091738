// A known row's repro.sh, as daxh findings writes it, and a run of it through plain `daxh exec`: for the
// suites that show a reproducer works without the harness.
import { execa } from 'execa';
import { knownRow } from '../harness/model/divergences.ts';
import { reproScript } from '../harness/findings/repro-sh.ts';
import { REPRO_TEMPLATES } from '../harness/findings/repro-templates.ts';

/** repro.sh of a known row, as daxh findings writes it. */
export function scriptOf(id: string): string {
  const row = knownRow(id)!;
  return reproScript({ id, row, subject: row.subject, hits: [{ kernel: 'k', case: 'c', topology: REPRO_TEMPLATES[id]!.topology, step: 's' }], replays: [] });
}

/** The script on a kernel (flags as daxh takes them), through daxh exec: its exit code and verdict line. */
export async function runScript(id: string, kernel: string[]): Promise<{ exit: number | undefined; line: string; all: string }> {
  const r = await execa('node', ['bin/daxh.js', 'exec', ...kernel, '--topology', REPRO_TEMPLATES[id]!.topology, '--', 'sh -s'], { input: scriptOf(id), reject: false, all: true });
  return { exit: r.exitCode, line: r.all!.split('\n').find((l) => /^(REPRODUCED|NOT REPRODUCED|CANNOT TEST)/.test(l)) ?? '', all: r.all! };
}
