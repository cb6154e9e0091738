// Reading a recipe file, and the topology it replays on, each as one line naming what is wrong: shared by
// repro and bisect, which must refuse a bad recipe before the first boot or build.
import { parse as parseYaml } from 'yaml';
import { topologyPlanner, type TopologyPlanner } from '../lab/planner.ts';
import { parseRecipe, RecipeError, type Recipe } from './recipe.ts';
import { MAX_BYTES, readUserFile } from '../util/user-file.ts';
import { YAML_LIMITS } from '../../qemu/topology-file.ts';

export async function readRecipeFile(file: string): Promise<Recipe> {
  const text = readUserFile('recipe', file, 'a recipe .json or .yaml file (daxh run saves them under <out>/recipes/)', MAX_BYTES.recipe);
  let data: unknown;
  try {
    data = parseYaml(text, YAML_LIMITS);
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
