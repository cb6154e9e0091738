// How long each wait on a guest may take before it counts as a hang: one table, so a slow host (or a
// debug kernel under TCG) scales them all with DAXH_DEADLINE_SCALE=2, and a test that provokes one kind
// of hang shrinks only that one (`step=0.25`), leaving boots their full margin on a loaded CI host.
// Each is generous against what this 2-core TCG machine measures (boot 3-7 s, a step 20 ms, a kmem
// online of 1G about 2 s, savevm under 4 s); a CI host with steal has been seen to stall a boot 20 s.
import { InputError } from '../util/input-error.ts';

const BASE = {
  /** QEMU start to SSH ready and the guest set up. */
  boot: 120_000,
  /** One helper exec: a batch of sysfs steps with their observation. */
  step: 120_000,
  /** One provisioning command (modprobe, ndctl/cxl create, onlining). */
  provision: 120_000,
  /** savevm / loadvm. */
  snapshot: 60_000,
  /** One QMP command. */
  qmp: 60_000,
};

export type DeadlineName = keyof typeof BASE;
export type Deadlines = { readonly [K in DeadlineName as `${K}Ms`]: number };
export type DeadlineScale = Readonly<Record<DeadlineName, number>>;

const NAMES = Object.keys(BASE) as DeadlineName[];
const ENV = 'DAXH_DEADLINE_SCALE';

/**
 * A factor from 0.01 to 1000: below, a deadline is shorter than one SSH round trip under TCG; above, it
 * passes what a timer can hold (Node's setTimeout fires at once for more than 2^31-1 ms).
 */
const FACTOR = { min: 0.01, max: 1000 };

function factor(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`${ENV}: ${what} '${text}' is not a positive number; e.g. ${ENV}=2 or ${ENV}=2,step=0.5`);
  if (n < FACTOR.min || n > FACTOR.max) throw new InputError(`${ENV}: ${what} '${text}' is outside ${FACTOR.min} to ${FACTOR.max}; e.g. ${ENV}=3 for a debug kernel under TCG`);
  return n;
}

/** `2` scales every deadline; `step=0.25` one; `2,step=0.25` all, then one (later items win). */
export function parseDeadlineScale(value: string | undefined): DeadlineScale {
  const scale = Object.fromEntries(NAMES.map((k) => [k, 1])) as Record<DeadlineName, number>;
  if (value === undefined || value.trim() === '') return scale;
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      const n = factor(item, 'factor');
      for (const k of NAMES) scale[k] = n;
      continue;
    }
    const name = item.slice(0, eq).trim();
    if (!(NAMES as string[]).includes(name)) throw new InputError(`${ENV}: unknown deadline '${name}'; use one of ${NAMES.join(', ')}`);
    scale[name as DeadlineName] = factor(item.slice(eq + 1), `factor for ${name}`);
  }
  return scale;
}

export function deadlines(scale: DeadlineScale | number = parseDeadlineScale(process.env[ENV])): Deadlines {
  const of = (k: DeadlineName) => (typeof scale === 'number' ? scale : scale[k]);
  return Object.fromEntries(NAMES.map((k) => [`${k}Ms`, Math.round(BASE[k] * of(k))])) as unknown as Deadlines;
}
