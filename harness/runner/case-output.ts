// What a case leaves on disk: its console and kernel log, and the recipe that replays a failure. Writing
// them can fail (a full disk, an unwritable --out); that costs the file, never the case or the run.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepRecord } from '../compare/checker.ts';
import type { ModelOverrides } from '../compare/init-model.ts';
import type { Action } from '../model/ops.ts';
import { makeRecipe } from '../recipe/recipe.ts';
import { atomicWriteFileSync } from '../util/atomic.ts';
import type { CaseInstance } from './suite.ts';

export function caseFileName(c: Pick<CaseInstance, 'suite' | 'topology' | 'name'>, ext: string): string {
  return `${c.suite}--${c.topology}--${c.name}`.replace(/[^\w.+-]+/g, '_') + ext;
}

export class CaseOutput {
  /** Files that could not be written, with why: the end of the run lists them. */
  readonly lost: { file: string; reason: string }[] = [];

  constructor(readonly dir: string) {}

  private write(file: string, text: string): string | undefined {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      atomicWriteFileSync(file, text);
      return file;
    } catch (err) {
      this.lost.push({ file, reason: (err as NodeJS.ErrnoException).code ?? String(err) });
      return undefined;
    }
  }

  /** The case's console lines, then its kernel log step by step (the console shows only loud messages). */
  console(c: CaseInstance, consoleLines: readonly string[], steps: readonly StepRecord[]): string | undefined {
    const text = [
      `# ${c.suite}/${c.topology}/${c.name}`,
      '## console',
      ...consoleLines,
      '## kernel log by step',
      ...steps.flatMap((s) => [`### ${s.index}. ${s.operation} -> ${s.actual}`, ...s.kernelLog]),
      '',
    ].join('\n');
    return this.write(join(this.dir, 'console', caseFileName(c, '.log')), text);
  }

  recipe(c: CaseInstance, ops: readonly Action[], opts: { seed: number; modelOverrides?: ModelOverrides }, kernel: string): string | undefined {
    const recipe = makeRecipe({
      topology: c.topology,
      capabilities: [...(c.def.needs.requires ?? [])],
      ...(opts.modelOverrides ? { model: opts.modelOverrides } : {}),
      steps: ops,
      origin: { suite: c.suite, case: c.name, seed: opts.seed, kernel, savedAt: new Date().toISOString() },
    });
    return this.write(join(this.dir, 'recipes', caseFileName(c, '.json')), JSON.stringify(recipe, null, 2) + '\n');
  }

  harnessErrorLog(): string {
    mkdirSync(this.dir, { recursive: true });
    return join(this.dir, 'harness-errors.log');
  }
}
