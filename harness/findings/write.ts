// Writes one folder per finding: report.txt, repro.sh, vm.txt and recipe.json. What a maintainer gets from
// `daxh findings RESULTS.json… --out DIR`, and what `daxh run` leaves under <out>/findings/. With a build
// tree at hand, the report quotes the source of the functions that explain a known bug from that tree, and
// symbolizes the kernel log with the tree's own scripts/decode_stacktrace.sh.
import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { readRecipeFile } from '../recipe/load.ts';
import type { Recipe } from '../recipe/recipe.ts';
import type { RunResults } from '../report/results.ts';
import { atomicWriteFile } from '../util/atomic.ts';
import { cFunction } from './c-source.ts';
import { collectFindings, type Finding } from './collect.ts';
import { reportText, type ReportExtras } from './report-text.ts';
import { reproScript, reproTopology } from './repro-sh.ts';
import { REPRO_TEMPLATES } from './repro-templates.ts';
import { vmText } from './vm-text.ts';
import type { TreeDirs } from '../../images/kernel-tree.ts';

export interface FindingsSource {
  runs: readonly RunResults[];
  /** Where relative recipe paths in the results are found besides the working directory (the results files' dirs). */
  bases: readonly string[];
  /** A kernel build or source tree of an affected release, for source quotes and symbolized logs. */
  tree?: TreeDirs;
}

const exists = (p: string) => access(p, constants.R_OK).then(() => true, () => false);

/**
 * The first hit's saved recipe: at its path, relative to one of `bases` (the results files' dirs), or in a
 * base's recipes/ dir (a run dir moved elsewhere keeps results.json beside recipes/).
 */
export async function recipeOf(f: Finding, bases: readonly string[]): Promise<Recipe | undefined> {
  for (const h of f.hits) {
    if (!h.recipe) continue;
    const file = h.recipe;
    for (const p of [file, ...bases.flatMap((b) => [...(isAbsolute(file) ? [] : [join(b, file)]), join(b, 'recipes', basename(file))])]) {
      if (await exists(p)) return readRecipeFile(p).catch(() => undefined);
    }
  }
  return undefined;
}

async function sourceQuotes(f: Finding, tree: TreeDirs): Promise<ReportExtras['source']> {
  const release = (await readFile(join(tree.build, 'include/config/kernel.release'), 'utf8').catch(() => '')).trim() || (await makeVersion(tree.source));
  const out: NonNullable<ReportExtras['source']> = [];
  for (const s of f.row?.source ?? []) {
    const text = await readFile(join(tree.source, s.file), 'utf8').catch(() => null);
    const fn = text === null ? undefined : cFunction(text, s.function);
    if (fn) out.push({ release, file: `${s.file}:${fn.first}-${fn.last}`, function: s.function, text: fn.text });
  }
  return out;
}

/** VERSION.PATCHLEVEL.SUBLEVEL from a source tree's Makefile, for a tree never built. */
async function makeVersion(source: string): Promise<string> {
  const text = await readFile(join(source, 'Makefile'), 'utf8').catch(() => '');
  const v = (k: string) => text.match(new RegExp(`^${k} = (\\d+)`, 'm'))?.[1];
  return v('VERSION') ? `${v('VERSION')}.${v('PATCHLEVEL')}.${v('SUBLEVEL')}` : 'the given tree';
}

/**
 * The excerpt through the tree's decode_stacktrace.sh, when the tree has it and a vmlinux with debug info
 * (without it every frame would read "??:?").
 */
async function symbolized(excerpt: string, tree: TreeDirs): Promise<string | undefined> {
  const script = join(tree.source, 'scripts/decode_stacktrace.sh');
  if (!(await exists(script)) || !(await exists(join(tree.build, 'vmlinux')))) return undefined;
  const config = await readFile(join(tree.build, '.config'), 'utf8').catch(() => '');
  if (!/^CONFIG_DEBUG_INFO(_DWARF\w*)?=y$/m.test(config) || /^CONFIG_DEBUG_INFO_NONE=y$/m.test(config)) return undefined;
  const r = await execa(script, [join(tree.build, 'vmlinux'), tree.source, tree.build], { input: excerpt, reject: false, timeout: 60_000 });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout : undefined;
}

export async function writeFindings(src: FindingsSource, outDir: string): Promise<Finding[]> {
  const findings = collectFindings(src.runs);
  for (const f of findings) {
    const dir = join(outDir, f.id);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const recipe = await recipeOf(f, src.bases);
    const h = f.hits[0]!;
    const excerpt = h.report?.excerpt ?? h.excerpt;
    const extras: ReportExtras = src.tree
      ? { source: await sourceQuotes(f, src.tree), ...(excerpt ? { symbolized: await symbolized(excerpt, src.tree) } : {}) }
      : {};
    if (extras.symbolized === undefined) delete extras.symbolized;
    await atomicWriteFile(join(dir, 'report.txt'), reportText(f, extras));
    await writeFile(join(dir, 'repro.sh'), reproScript(f, recipe), { mode: 0o755 });
    await chmod(join(dir, 'repro.sh'), 0o755);
    await atomicWriteFile(join(dir, 'vm.txt'), vmText(reproTopology(f), h.kernel, REPRO_TEMPLATES[f.id]?.needs));
    if (recipe) await atomicWriteFile(join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2) + '\n');
  }
  return findings;
}

/** The folder of each finding, for the lines a command prints. */
export const findingDirs = (findings: readonly Finding[], outDir: string) => findings.map((f) => ({ id: f.id, dir: resolve(outDir, f.id), subject: f.row?.subject ?? f.subject }));
