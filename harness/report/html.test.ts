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

test('the report filters in Chromium: by status, suite, topology, kernel and name; a failed case opens with its steps; hostile fields stay text', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-html-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  const hostile: CaseResult = { suite: 'sysfs-writes', topology: 'cxl', name: '<img src=x onerror="document.title=1">', status: 'passed', checks: 1, durationMs: 1 };
  const passed: CaseResult = { suite: 'kmem-hotplug', topology: 'hmem', name: 'offline policy', status: 'passed', checks: 4, durationMs: 10, steps: [{ index: 1, operation: 'read memory32/state', expected: 'ok "online"', actual: 'ok "online"', outcome: 'agreed', kernelLog: [] }] };
  await writeFile(file, htmlReport([run('7.3.4+deb13-amd64', [...cases, hostile, passed]), run('6.12.117+deb12-amd64', [{ ...cases[1]!, status: 'passed', known: [] }])]));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`file://${file}`);
  const shots = join(process.cwd(), 'out', 'test-screenshots');
  const visible = async () => page.locator('details.case:visible').evaluateAll((ds) => ds.map((d) => (d as HTMLElement).dataset.case));
  t.is(await page.title(), 'dax-harness: 2 kernels', 'an injected handler never ran');
  t.is(await page.locator('details.case img').count(), 0, 'a case name is text, never markup');
  t.is(await page.locator('#filter-count').textContent(), '5 of 5 cases');
  await page.selectOption('#filter-status', 'failed');
  t.deepEqual(await visible(), ['sysfs-writes/hmem/size: shrink, grow']);
  await page.screenshot({ path: join(shots, 'html-filter-failed.png'), fullPage: true });
  await page.selectOption('#filter-status', '');
  await page.selectOption('#filter-kernel', '6.12.117+deb12-amd64');
  t.deepEqual(await visible(), ['regressions/hmem/misaligned']);
  await page.selectOption('#filter-kernel', '');
  await page.selectOption('#filter-suite', 'kmem-hotplug');
  t.deepEqual(await visible(), ['kmem-hotplug/hmem/offline policy']);
  await page.selectOption('#filter-suite', '');
  await page.selectOption('#filter-topology', 'cxl');
  t.is((await visible()).length, 1);
  await page.selectOption('#filter-topology', '');
  await page.fill('#filter-search', 'SHRINK');
  t.deepEqual(await visible(), ['sysfs-writes/hmem/size: shrink, grow'], 'the search ignores case');
  // The failed case: closed by the user, opened again, it shows its steps and the diverged one.
  const fail = page.locator('details.case.failed').first();
  await fail.locator(':scope > summary').click();
  t.false(await fail.locator('table.diff').isVisible());
  await fail.locator(':scope > summary').click();
  t.true(await fail.locator('table.diff').isVisible());
  const steps = fail.locator('details:has(> table.steps)');
  t.true(await steps.locator('tr.diverged').isVisible(), "a failed case's steps are open, the diverged one marked");
  t.is(await steps.locator('tr.diverged td').nth(1).textContent(), 'write dax0.0/size "0"');
  await page.screenshot({ path: join(shots, 'html-failed-case.png'), fullPage: true });
  // A known bug links to its findings folder.
  await page.fill('#filter-search', '');
  t.is(await page.locator('a.finding').first().getAttribute('href'), 'findings/mapping-misaligned-length-succeeds/report.txt');
  t.log(`screenshots in ${shots}`);
});
