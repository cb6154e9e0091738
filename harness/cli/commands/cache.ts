import { DEFAULT_BOUNDS, DiskShelf, shelfRoot, type ShelfBounds, type ShelfEntry } from '../../lab/saved-machines.ts';
import { durationText, textTable } from '../../report/facts.ts';
import { SizeError, formatSize, parseSize } from '../../../qemu/size.ts';
import { parseFlags, wholeNumber, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

const DAY_MS = 24 * 3600 * 1000;

export const cache: Command = {
  summary: 'show or prune the saved provisioned guests that later runs resume instead of booting',
  usage: '[--prune] [--max-size SIZE] [--max-age DAYS] [--clear]',
  help: `A run saves each topology's provisioned guest (a QEMU snapshot, 0.1 to 0.4 GiB) under
${shelfRoot()}, keyed by the image's content, the QEMU binary, the QEMU command line and
the provisioning steps; later groups and runs resume it in under a second. Every run prunes to the default
bounds afterwards. Without flags: one line per saved guest, and the total.
  --prune          remove what is unused for longer than --max-age, then until the rest fits in --max-size
                   those no run resumed before those one did, each the least recently used first
  --max-size SIZE  bound for --prune (default ${formatSize(DEFAULT_BOUNDS.maxBytes)}; e.g. 2G, 500M)
  --max-age DAYS   bound for --prune (default ${DEFAULT_BOUNDS.maxAgeMs / DAY_MS})
  --clear          remove every saved guest`,
  async run(args) {
    const { values } = parseFlags('cache', args, { prune: { type: 'boolean' }, 'max-size': { type: 'string' }, 'max-age': { type: 'string' }, clear: { type: 'boolean' } });
    if ((values['max-size'] !== undefined || values['max-age'] !== undefined) && !values.prune) throw new UsageError('cache: --max-size and --max-age bound --prune; add --prune');
    if (values.clear && values.prune) throw new UsageError('cache: --clear removes everything; give --clear or --prune, not both');
    const bounds: ShelfBounds = {
      maxBytes: values['max-size'] === undefined ? DEFAULT_BOUNDS.maxBytes : sizeFlag(values['max-size']),
      maxAgeMs: values['max-age'] === undefined ? DEFAULT_BOUNDS.maxAgeMs : wholeNumber('--max-age', values['max-age'], 0, 3650) * DAY_MS,
    };
    const shelf = new DiskShelf();
    if (values.clear || values.prune) {
      const removed = await shelf.prune(values.clear ? { maxBytes: 0n, maxAgeMs: 0 } : bounds);
      console.log(`removed ${removed.length} saved guest(s), ${formatSize(roundMiB(total(removed)))}`);
    }
    const left = await shelf.list();
    const now = Date.now();
    const rows = [['key', 'topology', 'kernel', 'size', 'last used'], ...left.map((e) => [e.name, e.topology ?? (e.name.includes('.tmp-') ? '(being written)' : '(another format)'), e.kernel ?? '', formatSize(roundMiB(e.bytes)), `${durationText(now - e.lastUsed.getTime())} ago`])];
    if (left.length) for (const line of textTable(rows, 3)) console.log(line);
    console.log(`${left.length} saved guest(s), ${formatSize(roundMiB(total(left)))} in ${shelfRoot()}`);
    return EXIT.ok;
  },
};

function sizeFlag(v: string): bigint {
  try {
    return parseSize(v);
  } catch (err) {
    if (err instanceof SizeError) throw new UsageError(`--max-size ${v}: ${err.message.replace(/^"[^"]*" is /, '')}`);
    throw err;
  }
}

const total = (es: readonly ShelfEntry[]) => es.reduce((n, e) => n + e.bytes, 0n);
/** Whole MiB, so formatSize prints 193M rather than a byte count. */
const roundMiB = (b: bigint) => ((b + (1n << 19n)) >> 20n) << 20n;
