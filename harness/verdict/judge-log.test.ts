// `daxh judge` against the corpus of real kernel logs behind the known rows (testdata/index.json says where
// each came from): every one judged offline as the run judged it, on stock Debian builds and on a defconfig
// tree whose inlining and config differ. A log moved to a kernel outside a row's range is no longer known.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { judgeSavedLog, parseSavedLog, releaseIn } from './judge-log.ts';

interface Entry {
  file: string;
  release?: string;
  source: string;
  expect: { verdict: 'clean' | 'known' | 'failed'; known: string[] };
}

const dir = new URL('./testdata/', import.meta.url);
const corpus = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Entry[];

for (const e of corpus) {
  test(`judged as the run would: ${e.file}`, (t) => {
    const text = readFileSync(new URL(e.file, dir), 'utf8');
    const release = e.release ?? releaseIn(text);
    t.truthy(release, 'the log names its release, or the index does');
    const j = judgeSavedLog(parseSavedLog(text), release!);
    t.is(j.verdict, e.expect.verdict, j.reports.map((r) => `${r.kind} ${r.line} ${r.known?.id ?? 'unknown'}`).join('\n'));
    t.deepEqual([...new Set(j.reports.flatMap((r) => (r.known ? [r.known.id] : [])))].sort(), [...e.expect.known].sort());
  });
}

test('every row the corpus holds a log for is still recognised only in its range: before 6.9.3 the create race is no bug', (t) => {
  const text = readFileSync(new URL('create-race-6.12-debian.dmesg', dir), 'utf8');
  t.is(judgeSavedLog(parseSavedLog(text), '6.1.0-56-amd64').verdict, 'failed');
  t.true(corpus.length >= 10, `${corpus.length} logs`);
});
