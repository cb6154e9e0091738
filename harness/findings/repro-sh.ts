// repro.sh of a finding: the known bug's template (repro-templates.ts), or, for a failure no row explains, its
// recipe replayed write by write with the names it was found with (the VM of vm.txt has them), checking the
// step that diverged against what the model predicted there. Pure, but for reading the shell library once.
import { readFileSync } from 'node:fs';
import { sysfsPath } from '../driver/sysfs-path.ts';
import { rangeText } from '../model/divergences.ts';
import { isTogether, describeOp, type Action, type Op } from '../model/ops.ts';
import type { Recipe } from '../recipe/recipe.ts';
import { shellQuote } from '../util/shell-quote.ts';
import type { Finding } from './collect.ts';
import { REPRO_TEMPLATES } from './repro-templates.ts';
import { wrap } from './report-text.ts';

const LIB = readFileSync(new URL('./repro-lib.sh', import.meta.url), 'utf8');

const comment = (text: string): string =>
  wrap(text)
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');

/** The VM a finding's script is written for: its template's, or the topology it was hit on. */
export const reproTopology = (f: Finding): string => REPRO_TEMPLATES[f.id]?.topology ?? f.hits[0]!.topology;

function header(f: Finding, does: string, needs?: string): string {
  const h = f.hits[0]!;
  return [
    '#!/bin/sh',
    comment(f.row?.subject ?? f.subject),
    '#',
    comment(does),
    '#',
    comment(`Found by dax-harness (${h.case}) on ${h.kernel}${f.row ? `; known bug ${f.id}, ${rangeText(f.row)}` : ''}.`),
    comment(`Run as root in a VM booted as vm.txt describes (topology ${reproTopology(f)})${needs ? `, on a kernel with ${needs}` : ''}: sh repro.sh`),
    comment('Prints one line: REPRODUCED (exit 1), NOT REPRODUCED (exit 0) or CANNOT TEST (exit 125).'),
    '',
  ].join('\n');
}

/** One operation as a shell line: a write through `wr`, a read through cat, its answer echoed. */
function opLine(op: Op, n: number): string {
  const path = shellQuote(sysfsPath(op.ref));
  if (op.op === 'read') return `v=$(cat ${path} 2>&1) && ERR=OK || ERR=error; echo "${n}. ${describeOp(op).replace(/"/g, '\\"')}: $ERR"`;
  if (op.failNth) return `echo ${op.failNth} > /proc/thread-self/fail-nth 2>/dev/null || cannot "no fail-nth: the kernel needs FAULT_INJECTION and FAILSLAB"; wr ${path} ${shellQuote(op.value)}; echo "${n}. ${describeOp(op).replace(/"/g, '\\"')}: $ERR"`;
  return `wr ${path} ${shellQuote(op.value)}; echo "${n}. ${describeOp(op).replace(/"/g, '\\"')}: $ERR"`;
}

function actionLines(a: Action, n: number): string[] {
  if (!isTogether(a)) return [opLine(a, n)];
  // A race: each operation in its own process, released together.
  return [...a.together.map((op) => `( ${opLine(op, n)} ) &`), 'wait'];
}

/** The recipe write by write; the diverging step's answer decides. */
function replayBody(f: Finding, recipe: Recipe): string {
  const record = f.hits[0]!.record;
  const last = recipe.steps.length;
  const lines = recipe.steps.slice(0, -1).flatMap((a, i) => actionLines(a as Action, i + 1));
  const final = recipe.steps[last - 1] as Action | undefined;
  if (!final || isTogether(final) || !record || record.expected === 'external' || record.actual === record.expected) {
    return [...lines, ...(final ? actionLines(final, last) : []), `cannot "replayed the ${last} steps; compare their answers above with the report (a state divergence is not checked here)"`].join('\n');
  }
  const want = record.expected.split(' ')[0]!;
  const saw = record.actual.split(' ')[0]!;
  return [
    ...lines,
    opLine(final, last).replace(/; echo .*$/, ''),
    `got=$ERR`,
    `[ "$got" = ${shellQuote(saw)} ] && reproduced ${shellQuote(`step ${last}, ${describeOp(final)}: `)}"$got, expected ${want}"`,
    `[ "$got" = ${shellQuote(want)} ] && not_reproduced ${shellQuote(`step ${last}, ${describeOp(final)}: ${want}, as the model predicts`)}`,
    `cannot ${shellQuote(`step ${last}, ${describeOp(final)}: `)}"$got (neither the model's ${want} nor the ${saw} seen)"`,
  ].join('\n');
}

export function reproScript(f: Finding, recipe?: Recipe): string {
  const t = REPRO_TEMPLATES[f.id];
  if (t) return `${header(f, t.does, t.needs)}${LIB}\n${t.body}\n`;
  if (!recipe) return `${header(f, 'No reproducer: the finding has no recipe.')}echo "CANNOT TEST: no recipe was saved for ${f.id}"\nexit 125\n`;
  return `${header(f, `Replays the ${recipe.steps.length} steps of the case it was found in, with the names of that VM, and checks the last one.`)}${LIB}\n${replayBody(f, recipe)}\n`;
}
