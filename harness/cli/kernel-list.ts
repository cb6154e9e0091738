// A list of Debian series on the command line (matrix --kernels, repro --kernels, run --replay-findings):
// `all`, `cached` (those already downloaded) or a comma list, each checked against the pins now.
import { debianPin, pinCached } from '../../images/kernel.ts';
import { DEBIAN_KERNELS } from '../../images/pins.ts';
import { UsageError } from './errors.ts';

const ALL = DEBIAN_KERNELS.map((k) => k.series);

/** `all`, or a comma list of series (`latest` allowed). */
export function parseKernelList(v: string, flag = '--kernels'): string[] {
  if (v === 'all') return ALL;
  const series = v.split(',').map((s) => s.trim());
  if (series.some((s) => s === '')) throw new UsageError(`${flag} ${v}: an empty entry; give series separated by commas, e.g. ${flag} 6.1,6.12,latest`);
  for (const s of series) {
    try {
      debianPin(s);
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^--debian-kernel /, `${flag}: `));
    }
  }
  return [...new Set(series)];
}

/** The series a list names, `cached` resolved against the cache; an empty cached list is bad input. */
export async function kernelList(v: string, flag = '--kernels'): Promise<string[]> {
  if (v !== 'cached') return parseKernelList(v, flag);
  const out: string[] = [];
  for (const k of DEBIAN_KERNELS) if (await pinCached(debianPin(k.series))) out.push(k.series);
  if (!out.length) throw new UsageError(`${flag} cached: no Debian kernel is cached yet; daxh kernels lists them, ${flag} all fetches them`);
  return out;
}
