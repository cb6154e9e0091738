import { pinCached } from '../../../images/kernel.ts';
import { DEBIAN_KERNELS, DEFAULT_KERNEL_SERIES, LATEST_KERNEL_SERIES } from '../../../images/pins.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT } from '../errors.ts';

export const kernels: Command = {
  summary: 'list the Debian kernel series --debian-kernel accepts, and which are cached',
  usage: '[--json]',
  help: `One line per series: its release, where it comes from, its packages (and the source package --debug and
--coverage build, where the index has it) and whether it is in the cache already.
  --json           the series as a JSON array (what the nightly workflow builds its matrix from)`,
  async run(args) {
    const { values } = parseFlags('kernels', args, { json: { type: 'boolean' } });
    if (values.json) {
      console.log(JSON.stringify(DEBIAN_KERNELS.map((k) => k.series)));
      return EXIT.ok;
    }
    const rows = await Promise.all(
      DEBIAN_KERNELS.map(async (k) => {
        const tags = [k.series === DEFAULT_KERNEL_SERIES ? 'default' : '', k.series === LATEST_KERNEL_SERIES ? 'latest' : ''].filter(Boolean).join(', ');
        const pool = k.packages.some((p) => p.pool) ? ' (modules from the pool: pinned SHA256)' : '';
        const source = k.source ? ` · ${k.source.name} for --debug/--coverage` : '';
        return [k.series, k.release, k.suite, (await pinCached(k)) ? 'cached' : 'not cached', `${k.packages.map((p) => p.name.replace(/-\d.*$/, '')).join('+')}${pool}${source}`, tags];
      }),
    );
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log([...r.slice(0, 4).map((v, i) => v.padEnd(widths[i]!)), r[4], r[5] ? `[${r[5]}]` : ''].join('  ').trimEnd());
    return EXIT.ok;
  },
};
