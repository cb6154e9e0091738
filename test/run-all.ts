// `npm test`: the unit tests, then the guest suites, each with ava; ends with one plain totals line
// ("N passed, N failed") that CI reads. Exit status is non-zero if either run failed.
import { execa } from 'execa';
import { avaTotals, type Totals } from './ava-totals.ts';

async function ava(args: string[]): Promise<{ totals: Totals; ok: boolean }> {
  const proc = execa('npx', ['ava', ...args], { reject: false, all: true, env: { FORCE_COLOR: '0' } });
  proc.all!.pipe(process.stdout);
  const r = await proc;
  const totals = avaTotals(String(r.all ?? ''));
  return { totals, ok: r.exitCode === 0 && totals.failed === 0 };
}

const unit = await ava([]);
const guest = await ava(['--config', 'ava.guest.config.js']);
const t = { passed: unit.totals.passed + guest.totals.passed, failed: unit.totals.failed + guest.totals.failed, skipped: unit.totals.skipped + guest.totals.skipped };
if (!unit.ok || !guest.ok) t.failed = Math.max(t.failed, 1);
console.log(`\n${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
process.exitCode = t.failed > 0 ? 1 : 0;
