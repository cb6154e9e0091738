// Every finding a stock kernel shows, its repro.sh through plain `daxh exec`: it reproduces on an affected
// Debian series and does not on an unaffected kernel, a Debian series where one is not affected, else the
// 7.3 tree with the fix for it (suites/tree/fixes/). The races run for DURATION seconds; the figures of each
// run are logged.
import test from 'ava';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { runScript } from '../repro-scripts.ts';
import { builtTree, git } from './fixture.ts';

/** Each stock-kernel finding: where it reproduces, and where it must not (a Debian series or the fixed tree). */
const FINDINGS: { id: string; affected: string; unaffected: 'fixed-7.3' | string; fix?: string }[] = [
  { id: 'mapping-misaligned-length-succeeds', affected: '7.3', unaffected: '6.1' },
  { id: 'mapping-on-bound-device', affected: '6.12', unaffected: 'fixed-7.3', fix: '0002' },
  { id: 'device-dax-probe-keeps-stale-pgmap', affected: '6.1', unaffected: 'fixed-7.3', fix: '0003' },
  { id: 'create-takes-id-of-racing-delete', affected: '6.12', unaffected: '6.1' },
  { id: 'dev-dax-probe-wipes-open-cdev', affected: '7.3', unaffected: 'none' },
  { id: 'delete-drains-under-dax-region-rwsem', affected: '6.1', unaffected: 'none' },
  { id: 'shrink-drains-mapping-under-region-lock', affected: '6.12', unaffected: 'none' },
  { id: 'size-checks-align-before-locking', affected: '6.12', unaffected: 'fixed-7.3', fix: '0004' },
];

test.serial('every stock-kernel finding: repro.sh reproduces where the bug is and not where it is fixed or absent', async (t) => {
  const tree = await builtTree('7.3');
  const fixes = resolve('suites/tree/fixes');
  for (const f of FINDINGS) {
    const on = await runScript(f.id, ['--debian-kernel', f.affected]);
    t.log(`${f.id} on ${f.affected}: ${on.line}`);
    // A race may take several tries; one REPRODUCED is the claim, a NOT REPRODUCED on the affected side is not a pass.
    t.is(on.exit, 1, `${f.id} on ${f.affected}: ${on.line || on.all.slice(-2000)}`);
    if (f.unaffected === 'none') {
      t.log(`${f.id}: no kernel without it here (no fix yet)`);
      continue;
    }
    if (f.unaffected !== 'fixed-7.3') {
      const off = await runScript(f.id, ['--debian-kernel', f.unaffected]);
      t.log(`${f.id} on ${f.unaffected}: ${off.line}`);
      t.is(off.exit, 0, `${f.id} on ${f.unaffected}: ${off.line || off.all.slice(-2000)}`);
      continue;
    }
    await git(tree, ['checkout', '-q', '-b', 'daxh-repro-fix']);
    try {
      for (const p of (await readdir(fixes)).filter((x) => x.endsWith('.patch')).sort()) await git(tree, ['am', '-q', join(fixes, p)]);
      const off = await runScript(f.id, ['--kernel-tree', tree, '--build']);
      t.log(`${f.id} on the fixed 7.3 tree: ${off.line}`);
      t.is(off.exit, 0, `${f.id} with the fixes: ${off.line || off.all.slice(-2000)}`);
    } finally {
      await git(tree, ['checkout', '-q', '-f', 'main']);
      await git(tree, ['branch', '-q', '-D', 'daxh-repro-fix']);
    }
  }
  await execa('make', ['-C', tree, '-s', '-j2', 'bzImage', 'modules']);
});
