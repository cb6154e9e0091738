// The front door, fuzzed: every value flag every command documents in its --help, and every input file kind
// (topology, recipe, results), given values from a grammar of hostile ones: huge, negative, non-numeric,
// empty, unicode, shell metacharacters, path tricks, special files, strict-schema typos. Commands that would
// boot or build run with --dry-run, so nothing starts. For each input the promise holds: exit 0 or 2; on 2,
// one line on stderr that starts "daxh: " and no stack; never an internal error. After them all, nothing is
// left (no QEMU, temp dir, port), the cache is unchanged, and nothing outside the private working dir moved.
// FUZZ_RUNS raises the count (the nightly runs more); a failure prints the seed that replays it.
import test from 'ava';
import fc from 'fast-check';
import { lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { RECIPE_SCHEMA } from '../harness/recipe/recipe.ts';
import { RESULTS_SCHEMA } from '../harness/report/results.ts';
import { cacheRoot } from '../images/cache.ts';
import { filesUnder } from '../harness/util/files.ts';
import { NOTHING, leftSince, snapshot } from './leftovers.ts';

const DAXH = resolve('bin/daxh.js');
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

/** What each command needs around the fuzzed flag so that a valid value starts nothing. */
function bases(f: Fixtures): Record<string, string[]> {
  return {
    run: ['--dry-run'],
    exec: ['--dry-run', '--', 'true'],
    shell: ['--dry-run'],
    repro: [f.recipe, '--dry-run'],
    bisect: ['--kernel-tree', f.dir, '--good', 'HEAD~1', '--bad', 'HEAD', f.recipe, '--dry-run'],
    matrix: ['--dry-run'],
    bench: ['--dry-run'],
    image: ['build', '--dry-run'],
    merge: [f.results],
    report: [f.results],
    findings: [f.results, '--out', join(f.dir, 'findings')],
    kconfig: [],
    topologies: [],
    kernels: [],
  };
}

interface Fixtures {
  dir: string;
  recipe: string;
  results: string;
  fifo: string;
}

const hostileText = fc.oneof(
  fc.constantFrom('99999999999999999999', '1e309', '9007199254740993', '-1', '-0', '0', 'NaN', 'Infinity', '0x10', '1.5', '', ' ', '١٢', 'ｘ', '🚀', '$(id)', '`id`', '; touch pwned', '| cat', '&& true', `'"`, 'a\nb', '\u0000', '../../../etc/passwd', '/dev/null', '/dev/zero', '/proc/self/mem', '/proc', '//', '.', '~', '/nonexistent/x', '-', '--', '--help', 'hmem+mom+mom', 'latest', 'all', '6.1,,7.3', '1/0', '0/0'),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map(String),
  // Up to 100 000 characters: one argv string may not pass 128 KiB (MAX_ARG_STRLEN).
  fc.nat(100_000).map((n) => 'A'.repeat(n)),
);

// execve(2) ends an argument at its first NUL, so no user can pass one on a command line (execa refuses to
// try); NUL stays among the values a file may hold.
const hostileArg = hostileText.filter((s) => !s.includes('\u0000'));

/** A valid document with one hostile change: a key misspelt, a value replaced, a level replaced. */
function mutated(doc: Record<string, unknown>) {
  return fc.tuple(fc.nat(), fc.nat(), hostileText).map(([k, how, value]) => {
    const keys = Object.keys(doc);
    const key = keys[k % keys.length]!;
    const out: Record<string, unknown> = { ...doc };
    if (how % 3 === 0) {
      out[`${key.slice(0, -1)}${key.at(-1) === 'x' ? 'y' : 'x'}`] = out[key];
      delete out[key];
    } else if (how % 3 === 1) out[key] = value;
    else out[key] = { [value]: [value] };
    return JSON.stringify(out);
  });
}

const topologyDoc = { name: 'fz', description: 'fuzzed', ram: '2G', nodes: [{ id: 1, memory: '2G' }], hmem: [{ start: '4G', size: '1G' }] };
const recipeDoc = { schema: RECIPE_SCHEMA, topology: 'hmem', steps: [{ op: 'write', ref: { kind: 'device', device: 'dax0.0', attr: 'size' }, value: '0' }] };
const resultsDoc = { schema: RESULTS_SCHEMA, kernel: 'k', image: 'i', accel: 'tcg', seed: 1, startedAt: 'now', durationMs: 1, guests: { boots: 0, restores: 0 }, totals: { passed: 1, failed: 0, known: 0, skipped: 0, interrupted: 0 }, checks: 1, cases: [{ suite: 's', topology: 'hmem', name: 'c', status: 'passed', checks: 1, durationMs: 1 }] };

/** One input: a command line, and maybe a file written first (its path stands where FILE is). */
type Input = { args: string[]; file?: string };

function inputs(f: Fixtures, flagsOf: Record<string, string[]>) {
  const base = bases(f);
  const flagInput = fc
    .constantFrom(...Object.entries(flagsOf).flatMap(([c, flags]) => flags.map((fl) => [c, fl] as const)))
    .chain(([command, flag]) =>
      fc.oneof(hostileArg, fc.constantFrom(f.fifo, f.dir, '/proc/self/status')).map((value): Input => {
        const b = base[command] ?? [];
        const at = b.indexOf(flag);
        // A flag the base already sets is replaced, so the fuzzed value is the one parsed.
        const rest = at >= 0 ? [...b.slice(0, at), ...b.slice(at + 2)] : b;
        const dashdash = rest.indexOf('--');
        return { args: dashdash >= 0 ? [command, ...rest.slice(0, dashdash), flag, value, ...rest.slice(dashdash)] : [command, flag, value, ...rest] };
      }),
    );
  const fileInput = fc.oneof(
    mutated(topologyDoc).map((file): Input => ({ args: ['run', '--topology', 'FILE.yaml', '--dry-run'], file })),
    mutated(recipeDoc).map((file): Input => ({ args: ['repro', 'FILE.json', '--dry-run'], file })),
    mutated(resultsDoc).map((file): Input => ({ args: ['merge', 'FILE.json'], file })),
  );
  return fc.oneof({ weight: 3, arbitrary: flagInput }, { weight: 1, arbitrary: fileInput });
}

/** The value flags a command's --help documents: `--jobs N`, `--json F`, `--kernel-tree DIR`. */
async function valueFlags(command: string): Promise<string[]> {
  const help = (await execa('node', [DAXH, command, '--help'], { reject: false })).stdout;
  return [...new Set([...help.matchAll(/(?<![\w-])(--[a-z][a-z-]*) (?:[A-Z][A-Za-z]*|[a-z]+\|)/g)].map((m) => m[1]!))];
}

/** What git sees changed in the repository, untracked files included. */
const repoState = async () => (await execa('git', ['status', '--porcelain', '--untracked-files=all'])).stdout;

const cacheState = async () => (await Promise.all((await filesUnder(cacheRoot())).map(async (p) => `${p} ${(await lstat(p).catch(() => null))?.mtimeMs}`))).sort();

test.serial('every hostile value at the front door: exit 0 or 2, one line, no stack, nothing left behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'front-door-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f: Fixtures = { dir, recipe: join(dir, 'recipe.json'), results: join(dir, 'results.json'), fifo: join(dir, 'fifo') };
  await writeFile(f.recipe, JSON.stringify(recipeDoc));
  await writeFile(f.results, JSON.stringify(resultsDoc));
  await execa('mkfifo', [f.fifo]);
  await symlink('/dev/zero', join(dir, 'zero'));
  const work = join(dir, 'cwd');
  await mkdir(work);
  const flagsOf = Object.fromEntries(await Promise.all(Object.keys(bases(f)).map(async (c) => [c, await valueFlags(c)] as const)));
  t.true(Object.values(flagsOf).flat().length > 40, `only ${Object.values(flagsOf).flat().length} value flags found in the --help texts`);
  const before = { left: await snapshot(), cache: await cacheState(), repo: await repoState() };
  let n = 0;
  let fileN = 0;
  const seen: string[] = [];
  await fc.assert(
    fc.asyncProperty(inputs(f, flagsOf), async (input) => {
      n++;
      let args = input.args;
      if (input.file !== undefined) {
        const path = join(dir, `input-${++fileN}${input.args.some((a) => a.endsWith('.yaml')) ? '.yaml' : '.json'}`);
        await writeFile(path, input.file);
        args = args.map((a) => (a.startsWith('FILE.') ? path : a));
      }
      const r = await execa('node', [DAXH, ...args], { cwd: work, reject: false, stdin: 'ignore', timeout: 60_000, env: { GITHUB_STEP_SUMMARY: '' } });
      const lines = r.stderr.trim().split('\n').filter(Boolean);
      const label = `daxh ${args.map((a) => (a.length > 60 ? `${JSON.stringify(a.slice(0, 60))}…(${a.length} chars)` : JSON.stringify(a))).join(' ')}`;
      seen.push(`${r.exitCode} ${label}`);
      if (r.exitCode !== 0 && r.exitCode !== 2) return fail(`${label}: exit ${r.exitCode ?? r.signal}: ${lines[0] ?? ''}`);
      if (/internal error|\n\s+at .*\.(ts|js):\d+/.test(r.stderr)) return fail(`${label}: ${lines[0]}`);
      if (r.exitCode === 2 && (lines.length !== 1 || !lines[0]!.startsWith('daxh: '))) return fail(`${label}: ${lines.length} stderr lines: ${lines.slice(0, 3).join(' | ')}`);
      return true;
    }),
    {
      numRuns: RUNS,
      interruptAfterTimeLimit: 20 * 60_000,
      // The counterexample can hold 100 KB of one character: report its shape and the seed, not the value.
      reporter: (out) => {
        if (out.failed) throw new Error(`front door broken after ${out.numRuns} input(s); replay with seed ${out.seed} (path ${out.counterexamplePath}): ${String(out.errorInstance).slice(0, 2000)}`);
      },
    },
  );
  t.deepEqual(await leftSince(before.left), NOTHING, 'no QEMU, temp dir or port left');
  const after = await cacheState();
  t.deepEqual(after.filter((e) => !before.cache.includes(e)), [], 'nothing new or changed in the cache');
  t.is(await repoState(), before.repo, 'nothing in the repository (outside the private dirs) changed');
  t.log(`${n} generated inputs; ${seen.filter((s) => s.startsWith('2 ')).length} refused (exit 2), ${seen.filter((s) => s.startsWith('0 ')).length} accepted (exit 0)`);
});

function fail(message: string): never {
  throw new Error(message);
}
