// "Did you mean": the known name closest to a mistyped one, and the keys a zod schema allows at a path, so a
// strict schema's refusal of an unknown key can name the key the user meant.
import type { z } from 'zod';

/** Levenshtein distance, case-insensitive. */
export function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

/** The candidate nearest to `word`, if it is near enough to be a typo of it (at most a third of it differs). */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.ceil(word.length / 3)) ? best : undefined;
}

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType };
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys the object(s) at `path` inside `schema` allow (every branch of a union). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return keysAt(d.innerType!, path);
    case 'pipe':
      return keysAt(d.in!, path);
    case 'union':
      return [...new Set(d.options!.flatMap((o) => keysAt(o, path)))];
    case 'array':
      return typeof path[0] === 'number' ? keysAt(d.element!, path.slice(1)) : [];
    case 'object':
      if (!path.length) return Object.keys(d.shape!);
      return d.shape![String(path[0])] ? keysAt(d.shape![String(path[0])]!, path.slice(1)) : [];
    default:
      return [];
  }
}

/** `; did you mean X?` for an unknown key, or nothing. */
export function didYouMean(key: string, schema: z.ZodType, path: readonly PropertyKey[]): string {
  // A key another branch of a union has (a volatile device's `lsa`) is no typo: nothing to suggest.
  const near = nearest(key, keysAt(schema, path));
  return near && near !== key ? `; did you mean ${near}?` : '';
}

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

/** A zod issue as `where` (`steps[2].ref.attr`) and one line of what is wrong, an unknown key with the key meant. */
export function issueLine(schema: z.ZodType, issue: Issue): { where: string; message: string } {
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys?.[0] : undefined;
  const path = unknown === undefined ? issue.path : [...issue.path, unknown];
  const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return { where, message: unknown === undefined ? issue.message.split('\n')[0]! : `unknown key${didYouMean(unknown, schema, issue.path)}` };
}
