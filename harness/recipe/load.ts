// Reading a recipe file, and the topology it replays on, each as one line naming what is wrong: shared by
// repro and bisect, which must refuse a bad recipe before the first boot or build.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { topologyPlanner, type TopologyPlanner } from '../lab/planner.ts';
import { parseRecipe, RecipeError, type Recipe } from './recipe.ts';

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'is a directory; give the recipe file', EACCES: 'not readable' };

export async function readRecipeFile(file: string): Promise<Recipe> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new RecipeError(`recipe ${file}: ${READ_ERRORS[err.code ?? ''] ?? `cannot read it (${err.code})`}`);
  });
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new RecipeError(`${file}: not JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseRecipe(data, file);
}

/** The topology a replay boots: --topology when given, else the recipe's own (named as the recipe's field). */
export function replayTopology(recipe: Recipe, file: string, override: string | undefined): { name: string; planner: TopologyPlanner } {
  const name = override ?? recipe.topology;
  return { name, planner: topologyPlanner(name, override === undefined ? `${file}: topology` : '--topology') };
}
