// A recipe: everything needed to replay a sequence on a fresh guest, in one file. Expected outcomes are
// not stored: the model computes them at replay time, so a recipe stays valid as the model is corrected.
import { z } from 'zod';
import type { Op } from '../model/ops.ts';

export const RECIPE_SCHEMA = 'dax-harness/recipe@1';

const attrRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('region'), host: z.string(), attr: z.enum(['id', 'size', 'align', 'available_size', 'seed', 'create', 'delete']) }),
  z.object({ kind: z.literal('device'), device: z.string(), attr: z.enum(['size', 'align', 'mapping', 'target_node', 'numa_node', 'resource', 'modalias', 'memmap_on_memory']) }),
  z.object({ kind: z.literal('mapping'), device: z.string(), index: z.number().int().nonnegative(), attr: z.enum(['start', 'end', 'page_offset']) }),
  z.object({ kind: z.literal('driver'), driver: z.enum(['device_dax', 'kmem']), attr: z.enum(['bind', 'unbind', 'new_id', 'remove_id']) }),
  z.object({ kind: z.literal('bus'), attr: z.enum(['drivers_autoprobe', 'drivers_probe']) }),
  z.object({ kind: z.literal('memblock'), index: z.number().int().nonnegative(), attr: z.literal('state') }),
  z.object({ kind: z.literal('memory'), attr: z.literal('auto_online_blocks') }),
]);

const op = z.discriminatedUnion('op', [z.object({ op: z.literal('write'), ref: attrRef, value: z.string() }), z.object({ op: z.literal('read'), ref: attrRef })]);

const release = z.string().regex(/^\d+\.\d+/, 'a kernel version like 6.12 or 6.1.192');

export const recipeSchema = z.object({
  schema: z.literal(RECIPE_SCHEMA),
  topology: z.string().min(1),
  kernel: z
    .object({
      min: release.optional(),
      max: release.optional(),
      capabilities: z.array(z.enum(['dax_cxl', 'cxl_ram_region', 'dax_hmem', 'kmem', 'memmap_on_memory_attr', 'nvdimm', 'legacy_pmem'])).default([]),
    })
    .default({ capabilities: [] }),
  model: z.object({ memmapOnMemory: z.enum(['N', 'Y', 'force']).optional() }).default({}),
  steps: z.array(op).min(1),
  origin: z.object({ suite: z.string(), case: z.string(), seed: z.number().optional(), kernel: z.string(), savedAt: z.string() }).optional(),
});

export type Recipe = z.infer<typeof recipeSchema>;

export class RecipeError extends Error {}

/** One line naming the first bad field: `steps[2].ref.attr: Invalid option: expected one of …`. */
export function parseRecipe(data: unknown, file: string): Recipe {
  const r = recipeSchema.safeParse(data);
  if (r.success) return r.data;
  const { path, message } = r.error.issues[0]!;
  const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(top)';
  throw new RecipeError(`${file}: ${where}: ${message.split('\n')[0]}`);
}

type Capability = Recipe['kernel']['capabilities'][number];

/** What a kernel must have for these steps to mean anything: a kernel without it is "cannot test" (125). */
export function capabilitiesUsedBy(steps: readonly Op[]): Capability[] {
  const caps = new Set<Capability>();
  for (const s of steps) {
    if (s.ref.kind === 'device' && s.ref.attr === 'memmap_on_memory') caps.add('memmap_on_memory_attr');
    if (s.ref.kind === 'driver' && s.ref.driver === 'kmem') caps.add('kmem');
  }
  return [...caps].sort();
}

export function makeRecipe(parts: { topology: string; capabilities: readonly Capability[]; model?: Recipe['model']; steps: readonly Op[]; origin: NonNullable<Recipe['origin']> }): Recipe {
  const capabilities = [...new Set([...parts.capabilities, ...capabilitiesUsedBy(parts.steps)])].sort();
  return { schema: RECIPE_SCHEMA, topology: parts.topology, kernel: { capabilities }, model: parts.model ?? {}, steps: [...parts.steps] as Recipe['steps'], origin: parts.origin };
}
