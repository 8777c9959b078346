// The stack's queries against real data: the SDK (startRagMeter) serves /metrics, the real
// Prometheus binary scrapes it every second and evaluates prometheus/rules every second, and
// every dashboard query, dashboard variable, recording rule and alert expression must return
// data. The dashboards' p50/p95/p99 must agree with the SDK's own report within the histogram
// bucket they fall in, and the alerts must go pending (or firing) for injected failures, slow
// operations, a memory threshold below the process's RSS, a cost budget below what the LLM
// calls cost, and a scrape target that is down.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { INSTRUMENTS, startRagMeter } from '@ragmeter/sdk';

const DURATION_BUCKETS_SECONDS = INSTRUMENTS.find((i) => i.name === 'rag.operation.duration')!.buckets!;

import { requireBinary } from './support/binaries';
import { freePort, startPrometheus, type PrometheusServer, type Sample } from './support/prometheus-server';
import {
  RULES_DIR,
  dashboardFileNames,
  dashboardQueries,
  ruleExpressions,
  ruleFileNames,
  substituteVariables,
  timeVariables,
  variableQueries,
} from './support/stack-files';

type Monitor = ReturnType<typeof startRagMeter>;

const prometheusBinary = requireBinary('prometheus', 'the live Prometheus test of the dashboards and rules');
const describeWithPrometheus = prometheusBinary ? describe : describe.skip;

const JOB = 'ragmeter';
const DOWN_JOB = 'unreachable';
/** Longer than the whole run, so range queries see every sample. */
const WINDOW = '1m';
const WORKLOAD_MS = 6_000;
const BATCH_EVERY_MS = 200;

// One batch of operations, the same every time, so any whole number of batches (what a rate()
// window sees) has the same distribution as the SDK's whole history.

/** document_retrieval: 100 durations, log-uniform over 10 ms .. 300 ms, all successful and all
 * within the type's 0.32 s objective. */
const RETRIEVAL_SECONDS = Array.from({ length: 100 }, (_, i) => 0.01 * 30 ** (i / 99));
/** llm_inference: half within its 2.56 s objective, half above (burn rate ~50 on a 1% budget);
 * 5 of 20 fail (25% > the 10% threshold). One more, tracked, call per batch barely moves this. */
const LLM_SECONDS = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0.5 + i * 0.02 : 3 + i * 0.05));

function recordBatch(monitor: Monitor): void {
  for (const [i, durationSeconds] of RETRIEVAL_SECONDS.entries()) {
    monitor.recordOperation({
      type: 'document_retrieval',
      durationSeconds,
      memoryDeltaMb: i % 2 === 0 ? 0.02 : -0.01,
    });
  }
  for (const [i, durationSeconds] of LLM_SECONDS.entries()) {
    const success = i % 4 !== 1;
    monitor.recordOperation({
      type: 'llm_inference',
      durationSeconds,
      success,
      ...(success ? {} : { errorType: 'TimeoutError' }),
      inputTokens: 200 + i,
      outputTokens: 80 + i,
      memoryDeltaMb: 0.25,
      // priced from the bundled table (rag_operation_cost_USD_total)
      attributes: { 'gen_ai.request.model': 'gpt-4o-mini-2024-07-18' },
    });
  }
  // A whole query (the denominator of "cost per query"), and an embedding whose model has no
  // price (rag_operation_unpriced_total).
  monitor.recordOperation({ type: 'query_processing', durationSeconds: 0.8 });
  monitor.recordOperation({ type: 'embedding_generation', durationSeconds: 0.02, inputTokens: 64, attributes: { 'gen_ai.request.model': 'in-house-embedder' } });
  // An invalid value, which the SDK drops and counts in rag_sdk_dropped_total.
  monitor.recordOperation({ type: 'embedding_generation', durationSeconds: Number.NaN });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tracked calls, measured by the SDK itself: an embedding and a streamed LLM answer. */
async function trackedCalls(monitor: Monitor): Promise<void> {
  await monitor.track('embedding_generation', async (op) => {
    op.setTokens({ input: 32, output: 0 });
    await sleep(2);
  });
  await monitor.track('llm_inference', async (op) => {
    await sleep(1);
    op.markFirstToken();
    await sleep(2);
    op.setTokens({ input: 120, output: 40 });
  });
}

const finite = (samples: Sample[]) => samples.filter((s) => Number.isFinite(s.value));

describeWithPrometheus('dashboards and rules on a live Prometheus scraping the SDK', () => {
  let dir = '';
  let monitor: Monitor | undefined;
  let prometheus: PrometheusServer | undefined;
  let instance = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragmeter-live-prometheus-'));
    const appPort = await freePort();
    const downPort = await freePort();
    instance = `127.0.0.1:${appPort}`;
    monitor = startRagMeter({
      serviceName: 'ragmeter-live-test',
      prometheus: { host: '127.0.0.1', port: appPort },
      otlp: false,
      hostMetrics: true,
    });

    // The real rule files, except for two thresholds: memory below any process's RSS so that
    // RagProcessMemoryHigh has something to report, and a cost budget of a thousandth of a
    // dollar per hour, below what this test's LLM calls cost, for RagCostBurnRateHigh.
    const ruleFiles: string[] = [];
    for (const file of ruleFileNames()) {
      let text = readFileSync(join(RULES_DIR, file), 'utf8');
      const threshold = /(record: ragmeter:objective:process_memory_max_bytes\n\s+expr: )vector\(\d+\)/;
      if (threshold.test(text)) text = text.replace(threshold, '$1vector(1)');
      const budget = /(record: ragmeter:objective:cost_usd_per_hour_max\n\s+expr: )vector\([\d.]+\)/;
      if (budget.test(text)) text = text.replace(budget, '$1vector(0.001)');
      const copy = join(dir, file);
      writeFileSync(copy, text);
      ruleFiles.push(copy);
    }
    const rulesText = ruleFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(rulesText).toMatch(/record: ragmeter:objective:process_memory_max_bytes\n\s+expr: vector\(1\)\n/);
    expect(rulesText).toMatch(/record: ragmeter:objective:cost_usd_per_hour_max\n\s+expr: vector\(0\.001\)\n/);

    prometheus = await startPrometheus({
      binary: prometheusBinary!,
      dir,
      config: dump({
        global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
        rule_files: ruleFiles,
        scrape_configs: [
          { job_name: JOB, static_configs: [{ targets: [instance] }] },
          { job_name: DOWN_JOB, static_configs: [{ targets: [`127.0.0.1:${downPort}`] }] },
        ],
      }),
    });

    // Prometheus applies new targets a few seconds after start; record once it scrapes the app.
    const firstScrapeBy = Date.now() + 15_000;
    while ((await prometheus.query(`up{job="${JOB}"} == 1`)).length === 0) {
      if (Date.now() > firstScrapeBy) throw new Error(`Prometheus never scraped ${instance}:\n${prometheus.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const end = Date.now() + WORKLOAD_MS;
    while (Date.now() < end) {
      recordBatch(monitor);
      await trackedCalls(monitor);
      await new Promise((r) => setTimeout(r, BATCH_EVERY_MS));
    }
    // Let a last scrape and rule evaluation see the final batch.
    await new Promise((r) => setTimeout(r, 2_500));
    const scrapes = await prometheus.query(`count_over_time(up{job="${JOB}"}[${WINDOW}])`);
    expect(scrapes[0]?.value ?? 0).toBeGreaterThanOrEqual(6);
  }, 45_000);

  afterAll(async () => {
    await prometheus?.stop();
    await monitor?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Dashboard variables as a user picking this test's service, instance and llm_inference sees them. */
  function variableValues(): Record<string, string> {
    return { ...timeVariables(WINDOW), job: JOB, instance, type: 'llm_inference' };
  }

  it('scrapes the app', async () => {
    const up = await prometheus!.query(`up{job="${JOB}"}`);
    expect(up.map((s) => s.value)).toEqual([1]);
  });

  const panelQueries = dashboardFileNames().flatMap((file) => dashboardQueries(file));
  it.each(panelQueries.map((q) => [q.where, q.expr]))('panel %s returns data', async (_where, expr) => {
    const samples = await prometheus!.query(substituteVariables(expr, variableValues()));
    expect(finite(samples).length).toBeGreaterThan(0);
  });

  const variables = dashboardFileNames().flatMap((file) => variableQueries(file));
  it.each(variables.map((v) => [v.where, v]))('%s lists the service, instance and operation types', async (_where, v) => {
    const selector = substituteVariables(v.selector, { job: JOB, instance });
    const series = await prometheus!.api<Array<Record<string, string>>>(
      `/api/v1/series?match[]=${encodeURIComponent(selector)}&start=${Date.now() / 1000 - 120}`,
    );
    const values = new Set(series.map((s) => s[v.label]));
    const expected = { job: [JOB], instance: [instance], type: ['document_retrieval', 'llm_inference', 'embedding_generation'] }[
      v.variable
    ];
    expect(expected).toBeDefined();
    for (const value of expected!) expect([...values]).toContain(value);
  });

  const rules = ruleExpressions();
  it.each(rules.filter((r) => r.rule.record).map((r) => [r.where, r.rule.record!]))(
    'recording rule %s produces series',
    async (_where, record) => {
      const samples = await prometheus!.query(record);
      expect(finite(samples).length).toBeGreaterThan(0);
    },
  );

  it.each(rules.filter((r) => r.rule.alert).map((r) => [r.where, r.expr]))('alert %s: its expression returns data', async (_where, expr) => {
    expect(finite(await prometheus!.query(expr)).length).toBeGreaterThan(0);
  });

  it('evaluates every rule without error', async () => {
    const data = await prometheus!.api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>(
      '/api/v1/rules',
    );
    const rulesSeen = data.groups.flatMap((g) => g.rules);
    expect(rulesSeen.length).toBe(rules.length);
    expect(rulesSeen.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  });

  it('raises the alerts for the injected problems, and only for them', async () => {
    type Alert = { labels: Record<string, string>; state: string };
    const expected: Array<Record<string, string>> = [
      { alertname: 'RagOperationErrorRatioHigh', rag_operation_type: 'llm_inference' },
      { alertname: 'RagLatencySLOFastBurn', rag_operation_type: 'llm_inference' },
      { alertname: 'RagLatencySLOSlowBurn', rag_operation_type: 'llm_inference' },
      { alertname: 'RagProcessMemoryHigh', instance },
      { alertname: 'RagCostBurnRateHigh', job: JOB },
      { alertname: 'RagTargetDown', job: DOWN_JOB },
    ];
    let alerts: Alert[] = [];
    const deadline = Date.now() + 10_000;
    const matches = (a: Alert, e: Record<string, string>) => Object.entries(e).every(([k, v]) => a.labels[k] === v);
    do {
      alerts = (await prometheus!.api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
      if (expected.every((e) => alerts.some((a) => matches(a, e)))) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);

    for (const e of expected) {
      const alert = alerts.find((a) => matches(a, e));
      expect({ ...e, state: alert?.state }).toEqual({ ...e, state: expect.stringMatching(/^(pending|firing)$/) });
    }
    // document_retrieval never fails and always meets its latency objective; the app stays up.
    expect(alerts.filter((a) => a.labels.rag_operation_type === 'document_retrieval')).toEqual([]);
    expect(alerts.filter((a) => a.labels.alertname === 'RagTargetDown' && a.labels.job === JOB)).toEqual([]);
    expect(alerts.filter((a) => a.labels.rag_operation_type === 'query_processing')).toEqual([]);
  });

  it('the dashboard cost per operation of llm_inference is the SDK report\'s', async () => {
    const query = panelQueries.find((q) => q.dashboard === 'rag-overview.json' && q.panel.title === 'Cost per operation by stage')!;
    const samples = await prometheus!.query(substituteVariables(query.expr, variableValues()));
    const fromPromql = samples.find((s) => s.metric.rag_operation_type === 'llm_inference')?.value;
    const fromSdk = (await monitor!.generateReport()).operations.llm_inference?.cost?.avg_usd;
    expect(fromPromql).toEqual(expect.any(Number));
    expect(fromSdk).toBeGreaterThan(0);
    // Every batch is the same, so any whole number of batches in the rate window averages alike;
    // the window's edges may cut a batch, hence a few percent.
    expect(Math.abs(fromPromql! / fromSdk! - 1)).toBeLessThan(0.05);
  });

  it.each([
    ['p50 latency', 'p50'],
    ['p95 latency', 'p95'],
    ['p99 latency', 'p99'],
  ] as const)('the dashboard %s of document_retrieval lies in the same bucket as the SDK report', async (title, key) => {
    const query = panelQueries.find((q) => q.dashboard === 'rag-overview.json' && q.panel.title === title)!;
    const samples = await prometheus!.query(substituteVariables(query.expr, variableValues()));
    const fromPromql = samples.find((s) => s.metric.rag_operation_type === 'document_retrieval')?.value;
    const report = await monitor!.generateReport();
    const fromSdk = report.operations.document_retrieval?.duration[key];
    expect(fromPromql).toEqual(expect.any(Number));
    expect(fromSdk).toEqual(expect.any(Number));

    // histogram_quantile interpolates inside the bucket holding the quantile's rank; the exact
    // quantile (the SDK's, to 1%) must lie inside that same bucket.
    const upper = DURATION_BUCKETS_SECONDS.find((b) => b >= fromPromql! - 1e-12)!;
    const lower = DURATION_BUCKETS_SECONDS.filter((b) => b < upper).pop() ?? 0;
    expect(fromPromql!).toBeGreaterThan(lower);
    expect(fromSdk!).toBeGreaterThanOrEqual(lower * 0.99);
    expect(fromSdk!).toBeLessThanOrEqual(upper * 1.01);
    expect(Math.abs(Math.log2(fromSdk! / fromPromql!))).toBeLessThan(1);
  });
});
