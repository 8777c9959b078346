// The fleet view against the real Prometheus binary: two ragmeter monitors, each serving
// /metrics on loopback with a known workload, scraped every second; `ragmeter report
// --prometheus` must give their combined figures: counts, failures, tokens and drops exact,
// p50/p95/p99 inside the bucket where the combined data's own percentile lies, and cost the
// sum of the instances' own reports' cost (their LLM calls carry priced and unpriced models).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { spawn, type ChildProcess } from 'node:child_process';
import { INSTRUMENTS, type Report } from '@ragmeter/sdk';
import { main } from '../../src/main.js';
import { checkReport } from '../../src/report-schema.js';
import type { FleetReport } from '../../src/fleet/fleet-report.js';
import { requireBinary } from '../../../../test/stack/support/binaries';
import { freePort, startPrometheus, type PrometheusServer } from '../../../../test/stack/support/prometheus-server';

const BUCKETS = INSTRUMENTS.find((i) => i.name === 'rag.operation.duration')!.buckets!;
const prometheusBinary = requireBinary('prometheus', 'the fleet view against a live Prometheus');
const describeWithPrometheus = prometheusBinary ? describe : describe.skip;
const JOB = 'rag-api';

/** Durations that sit well inside buckets (never on a boundary), spread over several of them. */
const retrievalA = Array.from({ length: 60 }, (_, i) => [0.003, 0.007, 0.015, 0.03, 0.06, 0.12][i % 6]!);
const retrievalB = Array.from({ length: 40 }, (_, i) => [0.03, 0.06, 0.2, 0.9][i % 4]!);
const llmA = Array.from({ length: 20 }, (_, i) => 0.5 + (i % 5) * 0.1);
const llmB = Array.from({ length: 10 }, (_, i) => 3 + i * 0.1);

interface Workload {
  retrieval: number[];
  llm: number[];
  /** Every n-th LLM call fails. */
  failEvery: number;
  tokens: { input: number; output: number };
  streams: number;
  /** Host metrics (RSS) on; they make a scrape slow on a loaded machine, so only one instance has them. */
  hostMetrics: boolean;
  /** gen_ai.request.model of the LLM calls, in turn; UNPRICED has no price in the bundled table. */
  models: string[];
}
const UNPRICED = 'in-house-llm';
const WORKLOADS: Workload[] = [
  { retrieval: retrievalA, llm: llmA, failEvery: 5, tokens: { input: 100, output: 40 }, streams: 0, hostMetrics: true, models: ['gpt-4o-mini'] },
  { retrieval: retrievalB, llm: llmB, failEvery: 3, tokens: { input: 200, output: 50 }, streams: 3, hostMetrics: false, models: ['gpt-4.1-nano', UNPRICED] },
];

const INSTANCE_SCRIPT = join(__dirname, 'fleet-instance.cjs');

/** Starts one instance in its own process; resolves once it serves /metrics. */
async function startInstance(port: number, workload: Workload): Promise<{ child: ChildProcess; run: () => Promise<Report> }> {
  const child = spawn(process.execPath, [INSTANCE_SCRIPT, String(port), JSON.stringify(workload)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const line = (word: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.split('\n').includes(word)) resolve();
        else if (child.exitCode !== null) reject(new Error(`instance on ${port} exited with ${child.exitCode}`));
        else setTimeout(check, 20);
      };
      check();
    });
  await line('ready');
  return {
    child,
    run: async () => {
      child.stdin!.write('go\n');
      await line('done');
      const report = out.split('\n').find((l) => l.startsWith('report '))!;
      return JSON.parse(report.slice('report '.length)) as Report;
    },
  };
}

/** The bucket [lower, upper] holding the nearest-rank q-quantile of `values`. */
function bucketOf(values: number[], q: number): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
  const upper = BUCKETS.findIndex((b) => exact <= b);
  return [upper <= 0 ? 0 : BUCKETS[upper - 1]!, BUCKETS[upper]!];
}

async function ragmeter(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** A run that must succeed; when it does not, the error says how Prometheus scraped the instances. */
async function ragmeterOk(prometheus: PrometheusServer, ...args: string[]): Promise<string> {
  const run = await ragmeter(...args);
  if (run.code === 0 && run.stderr === '') return run.stdout;
  const targets = await prometheus.api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> }>('/api/v1/targets');
  const scrapes = targets.activeTargets.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`).join('; ');
  throw new Error(`ragmeter ${args.join(' ')} exited ${run.code}: ${run.stderr}(scrapes: ${scrapes})`);
}

describeWithPrometheus('ragmeter report --prometheus over two instances scraped by a real Prometheus', () => {
  let dir = '';
  let prometheus: PrometheusServer | undefined;
  const children: ChildProcess[] = [];
  const runs: Array<() => Promise<Report>> = [];
  const instances: string[] = [];
  /** Each instance's own report after its workload, since start. */
  let own: Report[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragmeter-fleet-'));
    for (let i = 0; i < WORKLOADS.length; i++) {
      const port = await freePort();
      instances.push(`127.0.0.1:${port}`);
      const started = await startInstance(port, WORKLOADS[i]!);
      children.push(started.child);
      runs.push(started.run);
    }
    prometheus = await startPrometheus({
      binary: prometheusBinary!,
      dir,
      config: dump({
        // A failed scrape marks every series stale at once; on a loaded machine a short timeout
        // would make the fleet vanish between two tests.
        global: { scrape_interval: '5s', scrape_timeout: '5s' },
        scrape_configs: [{ job_name: JOB, static_configs: [{ targets: instances }] }],
      }),
    });
    const scraped = async (expr: string, want: number): Promise<void> => {
      const by = Date.now() + 40_000;
      for (;;) {
        const value = (await prometheus!.query(expr))[0]?.value;
        if (value === want) return;
        if (Date.now() > by) throw new Error(`${expr} is ${value}, not ${want}:\n${prometheus!.log()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await scraped(`count(up{job="${JOB}"} == 1)`, instances.length);
    own = await Promise.all(runs.map((run) => run()));
    const total = WORKLOADS.reduce((n, w) => n + w.retrieval.length + w.llm.length + w.streams, 0);
    await scraped('sum(rag_operation_duration_seconds_count)', total);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r).kill('SIGTERM')) : undefined)),
    );
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('gives one schema-valid report whose counts are the exact sums and whose percentiles fall in the right buckets', async () => {
    const report = JSON.parse(await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--json')) as FleetReport;
    const check = checkReport(report);
    expect(check).toEqual({ ok: true, report });

    expect(report.window_seconds).toBeNull();
    expect(report.instances.count).toBe(2);
    expect(report.instances.list.map((i) => i.instance).sort()).toEqual([...instances].sort());
    expect(report.instances.list.map((i) => i.job)).toEqual([JOB, JOB]);
    expect(report.instances.list.map((i) => i.total_operations).sort((a, b) => a! - b!)).toEqual([
      retrievalB.length + llmB.length + 3,
      retrievalA.length + llmA.length,
    ].sort((a, b) => a - b));
    const rss = Object.fromEntries(report.instances.list.map((i) => [i.instance, i.rss_mb]));
    expect(rss[instances[0]!]).toBeGreaterThan(1);
    expect(rss[instances[1]!]).toBeUndefined();
    expect(report.memory.current_rss_mb).toBe(rss[instances[0]!]);
    expect(report.memory.samples).toBe(1);

    const retrieval = [...retrievalA, ...retrievalB];
    const llm = [...llmA, ...llmB];
    const llmFailed = WORKLOADS.reduce((n, w) => n + w.llm.filter((_, i) => (i + 1) % w.failEvery === 0).length, 0);
    expect(llmFailed).toBe(4 + 3);
    expect(Object.keys(report.operations)).toEqual(['document_retrieval', 'llm_inference', 'llm_stream']);
    const r = report.operations.document_retrieval!;
    const l = report.operations.llm_inference!;
    expect([r.total, r.failed, r.successful]).toEqual([100, 0, 100]);
    expect([l.total, l.failed, l.successful]).toEqual([30, llmFailed, 30 - llmFailed]);
    expect(l.error_rate).toBeCloseTo(llmFailed / 30, 12);
    expect(report.total_operations).toBe(133);
    expect(report.operations.llm_stream!.time_to_first_token?.count).toBe(3);

    expect(l.tokens.input).toBe(20 * 100 + 10 * 200);
    expect(l.tokens.output).toBe(20 * 40 + 10 * 50);
    expect(l.tokens.total).toBe(l.tokens.input + l.tokens.output);
    expect(r.memory_delta_mb.total).toBeCloseTo(100 * 0.25, 6);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(r.duration.avg).toBeCloseTo(sum(retrieval) / retrieval.length, 9);
    expect(l.duration.avg).toBeCloseTo(sum(llm) / llm.length, 9);

    for (const [op, values] of [[r, retrieval], [l, llm]] as const) {
      for (const [name, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
        const [lower, upper] = bucketOf(values, q);
        expect({ name, value: op.duration[name], inBucket: op.duration[name] > lower && op.duration[name] <= upper }).toEqual({ name, value: op.duration[name], inBucket: true });
      }
      expect(op.duration.max).toBe(bucketOf(values, 1)[1]);
      const [minLower, minUpper] = bucketOf(values, 1 / values.length);
      expect(op.duration.min).toBeGreaterThanOrEqual(minLower);
      expect(op.duration.min).toBeLessThan(minUpper);
    }

    expect(report.dropped).toEqual({ total: 2, by_reason: { invalid_duration: 2 } });
    // 7 of 30 failed (23%) is over the SDK's default 10% limit; retrieval never fails.
    expect(report.health.status).toBe('warning');
    expect(report.health.issues).toEqual([expect.stringMatching(/^High error rate for llm_inference: 23\.3% \(7\/30\) > 10\.0%$/)]);
  });

  it('sums the instances\' own costs: per type for the LLM calls only (they alone had a model), and in total', async () => {
    const report = JSON.parse(await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--json')) as FleetReport;
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const near = (value: number, want: number): void => {
      expect({ value, near: Math.abs(value - want) <= 1e-12 * Math.abs(want) }).toEqual({ value, near: true });
    };
    const ownLlm = own.map((r) => r.operations.llm_inference!.cost!);
    // Both instances priced something, and the second left some unpriced.
    expect(ownLlm.map((c) => c.total_usd > 0)).toEqual([true, true]);
    expect(ownLlm.map((c) => c.unpriced_operations)).toEqual([0, llmB.length / 2]);

    const cost = report.operations.llm_inference!.cost!;
    near(cost.total_usd, sum(ownLlm.map((c) => c.total_usd)));
    expect(cost.unpriced_operations).toBe(sum(ownLlm.map((c) => c.unpriced_operations)));
    const priced = llmA.length + llmB.length / 2;
    near(cost.avg_usd, cost.total_usd / priced);
    for (const type of ['document_retrieval', 'llm_stream']) {
      expect({ type, cost: report.operations[type]!.cost }).toEqual({ type, cost: undefined });
    }
    near(report.cost.total_usd, sum(own.map((r) => r.cost!.total_usd)));
    expect(report.cost.unpriced_operations).toBe(sum(own.map((r) => r.cost!.unpriced_operations)));
  });

  it('prints the same report as a table with the instances above it', async () => {
    const run = { stdout: await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--selector', `{job="${JOB}"}`) };
    expect(run.stdout).toMatch(/^fleet: 2 instances \(/);
    for (const instance of instances) expect(run.stdout).toContain(`${JOB}/${instance}`);
    const row = run.stdout.split('\n').find((line) => line.startsWith('llm_inference '))!.trim().split(/\s+/);
    expect(row.slice(0, 4)).toEqual(['llm_inference', '30', '7', '23.3']);
    expect(run.stdout).toMatch(/\(\d+ queries;/);
  });

  it('narrows to a selector, and says so when it matches nothing', async () => {
    const one = JSON.parse(await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--selector', `instance="${instances[1]}"`, '--json')) as FleetReport;
    expect(one.instances.count).toBe(1);
    expect(one.operations.llm_inference!.total).toBe(10);
    expect(one.operations.document_retrieval!.total).toBe(40);

    const none = await ragmeter('report', '--prometheus', prometheus!.url, '--selector', '{job="no-such-job"}');
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`ragmeter report: Prometheus at ${prometheus!.url} has no ragmeter series matching {job="no-such-job"} (looked for rag_health_status{job="no-such-job"} and rag_operation_duration_seconds_count)\n`);
  });

  it('over --window, counts what the window saw (increase(), extrapolated by Prometheus)', async () => {
    const report = JSON.parse(await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--window', '5m', '--json')) as FleetReport;
    expect(checkReport(report).ok).toBe(true);
    expect(report.window_seconds).toBe(300);
    // The series appeared with their first scrape, so the window sees at most everything.
    expect(report.operations.document_retrieval?.total ?? 0).toBeLessThanOrEqual(100);
  });

  it('compares the fleet against a baseline, and gates it', async () => {
    const saved = JSON.parse(await ragmeterOk(prometheus!, 'report', '--prometheus', prometheus!.url, '--json')) as FleetReport;
    const file = join(dir, 'baseline.json');
    writeFileSync(file, JSON.stringify(saved));
    expect(await ragmeterOk(prometheus!, 'compare', file, '--prometheus', prometheus!.url)).toMatch(/llm_inference/);

    // A baseline whose LLM p95 was half of today's: today regresses.
    saved.operations.llm_inference!.duration.p95 /= 2;
    writeFileSync(file, JSON.stringify(saved));
    const slower = await ragmeter('compare', file, '--prometheus', prometheus!.url, '--json');
    expect(slower.code).toBe(1);
    expect(JSON.parse(slower.stdout).regressions).toEqual([expect.objectContaining({ operation: 'llm_inference', metric: 'p95' })]);
  });

  it('watch --once prints one fleet frame', async () => {
    const run = { stdout: await ragmeterOk(prometheus!, 'watch', '--prometheus', prometheus!.url, '--once') };
    expect(run.stdout).toMatch(/fleet: 2 instances/);
    expect(run.stdout.split('\n').find((line) => line.startsWith('document_retrieval '))!.trim().split(/\s+/)[1]).toBe('100');
  });
});
