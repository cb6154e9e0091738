// Minimal structural diff between the model's predicted observation and the real one: only the leaves
// that differ, named by path (`devices[dax0.1].mappings[0].end`), so a report shows what moved, not two dumps.

export interface Difference {
  path: string;
  expected: unknown;
  actual: unknown;
}

type Keyed = { name?: unknown; host?: unknown; index?: unknown; start?: unknown };

/** Array elements are matched by their identity field when they have one, so one extra device is one line. */
function keyOf(v: unknown): string | null {
  if (v === null || typeof v !== 'object') return null;
  const k = v as Keyed;
  if (typeof k.name === 'string' && 'host' in k) return k.name; // device
  if (typeof k.host === 'string') return k.host; // region
  if (typeof k.index === 'number') return `memory${k.index}`; // memory block
  return null;
}

export function diff(expected: unknown, actual: unknown, path = ''): Difference[] {
  if (expected === actual) return [];
  if (Array.isArray(expected) && Array.isArray(actual)) return diffArrays(expected, actual, path);
  if (isRecord(expected) && isRecord(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => diff(expected[k], actual[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || '(root)', expected, actual }];
}

function diffArrays(expected: unknown[], actual: unknown[], path: string): Difference[] {
  const keyed = [...expected, ...actual].every((v) => keyOf(v) !== null);
  if (!keyed) {
    const n = Math.max(expected.length, actual.length);
    return Array.from({ length: n }, (_, i) => diff(expected[i], actual[i], `${path}[${i}]`)).flat();
  }
  const e = new Map(expected.map((v) => [keyOf(v)!, v]));
  const a = new Map(actual.map((v) => [keyOf(v)!, v]));
  const keys = [...new Set([...e.keys(), ...a.keys()])];
  return keys.flatMap((k) => diff(e.get(k), a.get(k), `${path}[${k}]`));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const bigintText = (x: bigint): string => (x > 0xffffn ? `0x${x.toString(16)}` : x.toString());

/** bigint-safe rendering for reports: addresses in hex, numbers bare, everything else as JSON. */
export function renderValue(v: unknown): string {
  if (typeof v === 'bigint') return bigintText(v);
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? bigintText(x) : x)) ?? 'undefined';
}

export function renderDiff(d: readonly Difference[]): string {
  return d.map((x) => `  ${x.path}: expected ${renderValue(x.expected)}, got ${renderValue(x.actual)}`).join('\n');
}
