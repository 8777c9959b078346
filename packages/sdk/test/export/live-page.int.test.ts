import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PerformanceMonitor } from '../../src/monitor.js';

// The live page in a real browser: Debian's Chromium (installed by .ci/run), driven by
// playwright-core, against a monitor serving on 127.0.0.1.
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The page's document, as far as the functions run in the page use it (compiled without the DOM's types). */
declare const document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null };

let monitor: PerformanceMonitor;
let browser: BrowserContext;
let profile: string;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  monitor = new PerformanceMonitor({ prometheus: { port: 0 }, memorySampleIntervalMs: 200 });
  base = (await monitor.serverUrl())!;
  profile = mkdtempSync(join(tmpdir(), 'ragmeter-chromium-'));
  // a fresh profile (--user-data-dir) per run
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  // a step that never comes fails with Playwright's message (what it waited for), before jest's timeout
  browser.setDefaultTimeout(20_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await monitor?.shutdown();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
});

/** One RAG query: retrieval, then generation, with a little work of its own. */
async function query(): Promise<void> {
  await monitor.track('query_processing', async () => {
    await monitor.track('document_retrieval', () => sleep(20));
    await monitor.track('llm_inference', async (op) => {
      await sleep(40);
      op.setTokens({ input: 120, output: 30 });
    });
    await sleep(5);
  });
}

/** The page, recording console errors, uncaught errors and every request it makes. */
async function open(path: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(`${base}${path}`);
  return { page, errors, requests };
}

const cell = (page: Page, type: string, column: string): Promise<string | null> =>
  page.locator(`#operations tbody tr[data-type="${type}"] td.${column}`).textContent();

describe('the live page in Chromium', () => {
  it('shows a row per type, the breakdown and the p95 chart, updates live, with no errors and nothing fetched elsewhere', async () => {
    for (let i = 0; i < 3; i++) await query();
    const { page, errors, requests } = await open('/?refresh=0.3');

    await page.waitForSelector('#operations tbody tr[data-type="query_processing"]');
    const rows = await page.locator('#operations tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    expect(rows.sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing']);
    expect(await cell(page, 'query_processing', 'count')).toBe('3');
    expect(await cell(page, 'llm_inference', 'tokens')).toBe('450');
    expect(await page.locator('#health').textContent()).toBe('healthy');
    // the p95 shown is the report's, in the page's own formatting
    const report = await monitor.generateReport();
    const p95ms = Number((await cell(page, 'llm_inference', 'p95'))!.replace(/ms$/, ''));
    expect(p95ms).toBeCloseTo(report.operations.llm_inference!.duration.p95 * 1000, 0);

    // where the query time goes: a stacked bar with a segment per child type and self
    const segments = page.locator('#breakdown [data-parent="query_processing"] .bar > div');
    const children = await segments.evaluateAll((divs) =>
      divs.map((d) => [d.getAttribute('data-child'), parseFloat(/width:\s*([\d.]+)%/.exec(d.getAttribute('style') ?? '')?.[1] ?? 'NaN')] as const),
    );
    expect(children.map(([c]) => c).sort()).toEqual(['document_retrieval', 'llm_inference', 'self']);
    const widths = Object.fromEntries(children);
    const shares = report.breakdown!.query_processing!;
    const sum = Object.values(shares).reduce((a, s) => a + s.share, 0);
    // the page's poll and this report differ by nothing recorded in between: same shares
    expect(widths.llm_inference).toBeCloseTo((shares.llm_inference!.share / sum) * 100, 1);

    // the chart: a line per type, gaining points as the page polls
    await page.waitForFunction(
      () => (document.querySelector('#chart polyline[data-type="llm_inference"]')?.getAttribute('points') ?? '').split(' ').length >= 3,
    );
    const lines = await page.locator('#chart polyline').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-type')));
    expect(lines.sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing']);

    // live: new operations show up without a reload
    await query();
    await query();
    await page.waitForFunction(() => document.querySelector('#operations tbody tr[data-type="query_processing"] td.count')?.textContent === '5');
    monitor.recordOperation({ type: 'reranking', durationSeconds: 0.012 });
    await page.waitForSelector('#operations tbody tr[data-type="reranking"]');
    await page.waitForSelector('#chart polyline[data-type="reranking"]', { state: 'attached' });

    expect(errors).toEqual([]);
    const elsewhere = requests.filter((url) => !url.startsWith(`${base}/`));
    expect(elsewhere).toEqual([]);
    expect(requests.filter((url) => url.startsWith(`${base}/report`)).length).toBeGreaterThan(2);
    await page.close();
  }, 90_000);

  it('says so when the server goes away, without an uncaught error', async () => {
    const other = new PerformanceMonitor({ prometheus: { port: 0 }, memorySampleIntervalMs: 0 });
    const url = (await other.serverUrl())!;
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${url}/?refresh=0.3`);
    await page.waitForFunction(() => document.querySelector('#health')?.textContent === 'healthy');
    await other.shutdown();
    await page.waitForFunction(() => document.querySelector('#health')?.textContent === 'unreachable');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
