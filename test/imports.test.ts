// The stages do not reach up: nothing under harness/ imports the suites (they register themselves through
// harness/runner/catalog.ts) or the CLI (only the CLI itself does), and nothing in suites/ or bench/ imports
// the CLI. The data flow stays one-way, so a stage can be tested without what sits above it.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(import.meta.dirname, '..');

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) out.push(relative(root, join(e.parentPath, e.name)));
  }
  return out;
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)].map((m) => relative(root, resolve(dirname(join(root, file)), m[1]!)));
}

test('no stage imports the suites or the CLI above it', async (t) => {
  const bad: string[] = [];
  let seen = 0;
  for (const f of await tsFiles('harness')) {
    if (f.endsWith('.test.ts')) continue;
    for (const i of await importsOf(f)) {
      seen++;
      if (i.startsWith('suites/')) bad.push(`${f} imports ${i}`);
      if (i.startsWith('harness/cli/') && !f.startsWith('harness/cli/')) bad.push(`${f} imports ${i}`);
    }
  }
  for (const f of [...(await tsFiles('suites')), ...(await tsFiles('bench'))]) {
    for (const i of await importsOf(f)) if (i.startsWith('harness/cli/')) bad.push(`${f} imports ${i}`);
  }
  t.true(seen > 200, `only ${seen} imports read: the scan is not seeing the code`);
  t.deepEqual(bad, []);
});
