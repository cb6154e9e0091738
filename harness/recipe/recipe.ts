// A recipe: everything needed to replay a sequence on a fresh guest, in one file. Expected outcomes are
// not stored: the model computes them at replay time, so a recipe stays valid as the model is corrected.
// Its vocabulary (attributes, drivers, capabilities) comes from the tables in harness/abi/.
import { z } from 'zod';
import { BUS_ATTR_NAMES, DAX_DRIVER_NAMES, DEVICE_ATTR_NAMES, DRIVER_ATTR_NAMES, MAPPING_ATTR_NAMES, REGION_ATTR_NAMES } from '../abi/attributes.ts';
import { CAPABILITIES, type Capability } from '../abi/capabilities.ts';
import { opsOf, type Action } from '../model/ops.ts';
import { InputError } from '../util/input-error.ts';
import { issueLine } from '../util/nearest.ts';

export const RECIPE_SCHEMA = 'dax-harness/recipe@2';
/** Recipes saved before the capability names followed the provider and feature tables. */
const RECIPE_SCHEMA_V1 = 'dax-harness/recipe@1';
const V1_CAPABILITIES: Record<string, Capability> = {
  dax_cxl: 'cxl-ram',
  cxl_ram_region: 'cxl-ram',
  dax_hmem: 'hmem',
  kmem: 'kmem',
  memmap_on_memory_attr: 'memmapOnMemoryAttr',
  nvdimm: 'nvdimm',
  legacy_pmem: 'legacy-pmem',
};

const names = <T extends string>(xs: readonly T[]) => z.enum(xs as [T, ...T[]]);

// Names end up in guest paths, so each has the form the kernel gives it, and nothing else (no "..", no "/").
const deviceName = z.string().regex(/^dax\d{1,5}\.\d{1,5}$/, 'a dax device name like dax0.1');
const regionHost = z.string().regex(/^\/sys\/devices(\/[\w.:+-]+)+$/, 'the sysfs path of a dax region\'s parent device, like /sys/devices/platform/hmem.0').refine((h) => !h.split('/').includes('..'), 'a path without ..');
const index = (max: number) => z.number().int().nonnegative().max(max);

const attrRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('region'), host: regionHost, attr: names(REGION_ATTR_NAMES) }),
  z.strictObject({ kind: z.literal('device'), device: deviceName, attr: names(DEVICE_ATTR_NAMES) }),
  z.strictObject({ kind: z.literal('mapping'), device: deviceName, index: index(65_535), attr: names(MAPPING_ATTR_NAMES) }),
  z.strictObject({ kind: z.literal('driver'), driver: names(DAX_DRIVER_NAMES), attr: names(DRIVER_ATTR_NAMES) }),
  z.strictObject({ kind: z.literal('bus'), attr: names(BUS_ATTR_NAMES) }),
  z.strictObject({ kind: z.literal('memblock'), index: index(1 << 24), attr: z.literal('state') }),
  z.strictObject({ kind: z.literal('memory'), attr: z.literal('auto_online_blocks') }),
]);

/** A value is one write(2) of at most a page: sysfs takes no more. */
const value = z.string().max(4096);
const read = z.strictObject({ op: z.literal('read'), ref: attrRef });
const write = z.strictObject({ op: z.literal('write'), ref: attrRef, value });
const op = z.discriminatedUnion('op', [write.extend({ failNth: z.number().int().positive().max(100_000).optional() }), read]);
/** Operations that raced: the guest helper runs at most 16 at once, and fails no allocation among them. */
const together = z.strictObject({ together: z.array(z.discriminatedUnion('op', [write, read])).min(2).max(16) });

const release = z.string().regex(/^\d+\.\d+/, 'a kernel version like 6.12 or 6.1.192');

export const recipeSchema = z.strictObject({
  schema: z.literal(RECIPE_SCHEMA),
  topology: z.string().min(1).max(4096),
  kernel: z
    .strictObject({
      min: release.optional(),
      max: release.optional(),
      capabilities: z.array(names(CAPABILITIES)).default([]),
    })
    .default({ capabilities: [] }),
  model: z.strictObject({ memmapOnMemory: z.enum(['N', 'Y', 'force']).optional() }).default({}),
  steps: z.array(z.union([op, together])).min(1).max(1_000_000),
  origin: z.strictObject({ suite: z.string(), case: z.string(), seed: z.number().optional(), kernel: z.string(), savedAt: z.string() }).optional(),
});

export type Recipe = z.infer<typeof recipeSchema>;

export class RecipeError extends InputError {}

/** A recipe@1 file in today's vocabulary (only its capability names changed). */
function upgrade(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || (data as { schema?: unknown }).schema !== RECIPE_SCHEMA_V1) return data;
  const d = data as { kernel?: { capabilities?: unknown[] } };
  const caps = Array.isArray(d.kernel?.capabilities) ? d.kernel.capabilities.map((c) => (typeof c === 'string' ? (V1_CAPABILITIES[c] ?? c) : c)) : undefined;
  return { ...d, schema: RECIPE_SCHEMA, ...(d.kernel ? { kernel: { ...d.kernel, ...(caps ? { capabilities: caps } : {}) } } : {}) };
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/** A step is an operation or a `together` group: name the field inside the branch that got furthest. */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  const inner = issue.errors.map((branch) => deepest(branch[0]!)).sort((a, b) => b.path.length - a.path.length)[0]!;
  return { ...inner, path: [...issue.path, ...inner.path] };
}

/** One line naming the first bad field: `steps[2].ref.attr: Invalid option: expected one of …`. */
export function parseRecipe(data: unknown, file: string): Recipe {
  const r = recipeSchema.safeParse(upgrade(data));
  if (r.success) return r.data;
  const { where, message } = issueLine(recipeSchema, deepest(r.error.issues[0]!));
  throw new RecipeError(`${file}: ${where || '(top)'}: ${message}`);
}

/** What a kernel must have for these steps to mean anything: a kernel without it is "cannot test" (125). */
export function capabilitiesUsedBy(steps: readonly Action[]): Capability[] {
  const caps = new Set<Capability>();
  for (const s of steps.flatMap(opsOf)) {
    if (s.ref.kind === 'device' && s.ref.attr === 'memmap_on_memory') caps.add('memmapOnMemoryAttr');
    if (s.ref.kind === 'device' && s.ref.attr === 'state') caps.add('kmemState');
    if (s.ref.kind === 'driver') caps.add(s.ref.driver);
    if (s.op === 'write' && s.failNth !== undefined) caps.add('failslab');
  }
  return [...caps].sort();
}

export function makeRecipe(parts: { topology: string; capabilities: readonly Capability[]; model?: Recipe['model']; steps: readonly Action[]; origin: NonNullable<Recipe['origin']> }): Recipe {
  const capabilities = [...new Set([...parts.capabilities, ...capabilitiesUsedBy(parts.steps)])].sort();
  return { schema: RECIPE_SCHEMA, topology: parts.topology, kernel: { capabilities }, model: parts.model ?? {}, steps: [...parts.steps] as Recipe['steps'], origin: parts.origin };
}
