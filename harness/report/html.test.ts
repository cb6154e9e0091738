// The HTML report in a real browser (Debian's Chromium, driven by playwright-core): the grid and one failing
// case's model-vs-kernel diff must render, offline. A screenshot is kept with the test output.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { htmlReport } from './html.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from './results.ts';

const CHROMIUM = '/usr/bin/chromium';

const failing: CaseResult = {
  suite: 'sysfs-writes',
  topology: 'hmem',
  name: 'size: shrink, grow',
  status: 'failed',
  checks: 9,
  durationMs: 812,
  failureKind: 'divergence',
  failure: 'divergence on hmem, kernel 7.3.4\noperation: write dax0.0/size "0"\nstate after the step differs from the model:\n  devices[dax0.0].size: expected 0, got 0x40000000',
  divergence: { kind: 'state', topology: 'hmem', kernel: '7.3.4', step: 3, operation: 'write dax0.0/size "0"', differences: [{ path: 'devices[dax0.0].size', expected: '0', actual: '0x40000000' }], kernelLog: ['dax0.0: probe with driver kmem failed with error -16'], history: ['a', 'b', 'write dax0.0/size "0"'] },
  repro: 'npx daxh repro out/recipes/sysfs-writes--hmem--size.json --debian-kernel 7.3',
  steps: [
    { index: 1, operation: 'write memory32/state "offline"', expected: 'ok', actual: 'ok', outcome: 'agreed', kernelLog: [] },
    { index: 2, operation: 'write drivers/kmem/unbind "dax0.0"', expected: 'ok', actual: 'ok', outcome: 'agreed', kernelLog: [] },
    { index: 3, operation: 'write dax0.0/size "0"', expected: 'ok', actual: 'ok', outcome: 'diverged', kernelLog: [] },
  ],
};
const cases: CaseResult[] = [failing, { suite: 'regressions', topology: 'hmem', name: 'misaligned', status: 'known', checks: 12, durationMs: 300, known: [{ id: 'mapping-misaligned-length-succeeds', reason: 'c05ae9d85b47 overwrote rc', step: 'write dax0.0/mapping "x"' }] }];
const run = (kernel: string, cs: CaseResult[]): RunResults => ({ schema: RESULTS_SCHEMA, kernel, image: 'abcdef012345', accel: 'tcg', profile: 'debian', seed: 4242, startedAt: '2026-12-01T12:00:00.000Z', durationMs: 5000, guests: { boots: 1, restores: 0 }, totals: totalsOf(cs), checks: 21, cases: cs });

test('the report renders offline in Chromium: the kernel × suite × topology grid and a failing case with its diff', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-html-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  await writeFile(file, htmlReport([run('7.3.4+deb13-amd64', cases), run('6.12.117+deb12-amd64', [{ ...cases[1]!, status: 'passed', known: [] }])]));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  t.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'self-contained: nothing fetched');
  // The grid: one column per kernel, a coloured cell per suite × topology.
  t.deepEqual(await page.locator('#grid th').allTextContents(), ['suite', 'topology', '7.3.4+deb13-amd64', '6.12.117+deb12-amd64']);
  const cell = page.locator('#grid td[data-kernel="7.3.4+deb13-amd64"][data-suite="sysfs-writes"]');
  t.is(await cell.textContent(), '1 failed');
  t.is(await cell.getAttribute('class'), 'cell failed');
  // The failing case is open, with its one line, its diff table, the kernel log, its steps and its replay command.
  const fail = page.locator('section[data-kernel="7.3.4+deb13-amd64"] details.case.failed').first();
  t.true(await fail.isVisible());
  t.is(await fail.locator('.failure-line').textContent(), 'write dax0.0/size "0": state differs, devices[dax0.0].size: expected 0, got 0x40000000');
  t.deepEqual(await fail.locator('table.diff tr').nth(1).locator('td').allTextContents(), ['devices[dax0.0].size', '0', '0x40000000']);
  t.true(await fail.locator('table.diff').isVisible());
  t.is(await fail.locator('code.repro').textContent(), failing.repro ?? null);
  t.is(await fail.locator('table.steps tr.diverged td').nth(1).textContent(), 'write dax0.0/size "0"');
  t.regex((await page.locator('section[data-kernel="7.3.4+deb13-amd64"] .identity').textContent()) ?? '', /seed 4242/);
  t.regex((await page.content()), /Known kernel divergences \(not failures\)/);
  const shot = join(process.cwd(), 'out', 'test-screenshots', 'html-report.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.log(`screenshot: ${shot}`);
});
