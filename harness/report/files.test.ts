// Which copy of the results survives when a report cannot be written: the run's promise is that the JSON is
// never lost, whichever of the reports a full disk took.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS } from './formats.ts';
import { FileReporter, rescueResults } from './files.ts';
import { RESULTS_SCHEMA, totalsOf, type RunResults } from './results.ts';

const run: RunResults = {
  schema: RESULTS_SCHEMA, kernel: '6.12.117+deb12-amd64', image: 'abcdef012345', accel: 'tcg', profile: 'debian', seed: 1, startedAt: '2026-12-07T12:00:00.000Z', durationMs: 1, guests: { boots: 1, restores: 0 },
  totals: totalsOf([]), checks: 0, cases: [],
};
const failure = (r: FileReporter) => ({ reporter: r.name, source: r, event: 'onRunEnd', message: 'ENOSPC: no space left on device' });

test('a failed --json is covered by the run directory\'s results.json, and that copy is named', (t) => {
  const [own, asked, junit] = [new FileReporter(FORMATS.json, '/out/results.json'), new FileReporter(FORMATS.json, '/full/r.json'), new FileReporter(FORMATS.junit, '/x/junit.xml')];
  const lines: string[] = [];
  rescueResults(run, [failure(asked)], [own, asked, junit], (l) => lines.push(l));
  t.deepEqual(lines, [`could not write ${asked.name}: ENOSPC: no space left on device`, 'the results JSON is whole in /out/results.json']);
});

test('with every JSON report lost, the results go beside a report that was written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-rescue-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [json, junit] = [new FileReporter(FORMATS.json, '/full/r.json'), new FileReporter(FORMATS.junit, join(dir, 'junit.xml'))];
  const lines: string[] = [];
  rescueResults(run, [failure(json)], [json, junit], (l) => lines.push(l));
  t.is(lines.at(-1), `results JSON written to ${join(dir, 'junit.xml.results.json')} instead`);
  t.is((JSON.parse(await readFile(join(dir, 'junit.xml.results.json'), 'utf8')) as RunResults).seed, 1);
});

test('no failed JSON report: nothing is rescued, only the failures named', (t) => {
  const [json, junit] = [new FileReporter(FORMATS.json, '/out/results.json'), new FileReporter(FORMATS.junit, '/full/junit.xml')];
  const lines: string[] = [];
  rescueResults(run, [failure(junit)], [json, junit], (l) => lines.push(l));
  t.is(lines.length, 1);
});
