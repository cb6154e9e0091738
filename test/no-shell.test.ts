// No value reaches a host shell: a process is started with an argv, and where a pipeline needs `sh -c`, its
// script is a constant and the values go in as positional parameters ("$1"). Grep-proof, so a new
// `sh -c \`…${x}…\`` fails here before anyone runs it with `--qemu 'x; rm -rf ~'`.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

async function sources(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ['harness', 'images', 'qemu', 'suites', 'bench', 'bin', 'test']) {
    for (const e of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (e.isFile() && /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.test.ts')) out.push(relative(root, join(e.parentPath, e.name)));
    }
  }
  return out;
}

/** A shell started on the host with a script that interpolates, or any `shell: true`. */
const RULES: [string, RegExp][] = [
  ['a shell script built from a template with ${…}', /execa\(\s*['"](?:ba|da)?sh['"]\s*,\s*\[[^\]]*?['"]-c['"]\s*,\s*`[^`]*\$\{/],
  ['a shell script built by concatenation', /execa\(\s*['"](?:ba|da)?sh['"]\s*,\s*\[[^\]]*?['"]-c['"]\s*,\s*(?:'[^']*'|"[^"]*"|[\w.$]+)\s*\+/],
  ['shell: true', /\bshell\s*:\s*(true|['"])/],
  ['execaCommand (parses a string as a command line)', /\bexecaCommand(Sync)?\s*\(/],
];

test('no host shell is given a value: no shell: true, no sh -c script built from input', async (t) => {
  const files = await sources();
  t.true(files.length > 150, `only ${files.length} files read: the scan is not seeing the code`);
  const bad: string[] = [];
  for (const f of files) {
    const text = await readFile(join(root, f), 'utf8');
    for (const [what, re] of RULES) if (re.test(text)) bad.push(`${f}: ${what}`);
  }
  t.deepEqual(bad, []);
});

test('the rules catch what they name', (t) => {
  const caught = (text: string) => RULES.filter(([, re]) => re.test(text)).map(([w]) => w);
  t.deepEqual(caught("execa('sh', ['-c', `command -v ${cmd}`])"), ['a shell script built from a template with ${…}']);
  t.deepEqual(caught("execa('bash', ['-e', '-c', 'x ' + value])"), ['a shell script built by concatenation']);
  t.deepEqual(caught("execa(bin, args, { shell: true })"), ['shell: true']);
  t.deepEqual(caught("execaCommand(`qemu ${x}`)"), ['execaCommand (parses a string as a command line)']);
  t.deepEqual(caught("execa('sh', ['-c', 'tar -C \"$1\" -xf -', 'sh', dir])"), [], 'a constant script with positional values is fine');
});
