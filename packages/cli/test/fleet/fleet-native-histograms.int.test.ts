// A fleet with both kinds of histogram, on a real Prometheus with native histograms on: one
// ragmeter instance (classic buckets, from its text /metrics) and one exposition of native
// histograms. Each type is read from the kind its series have; counts are exact and the
// native type's percentiles fall in the right native bucket.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { main } from '../../src/main.js';
import { checkReport } from '../../src/report-schema.js';
import type { FleetReport } from '../../src/fleet/fleet-report.js';
import { nativeBucket, serveNativeHistograms } from './native-histograms.js';
import { requireBinary } from '../../../../test/stack/support/binaries';
import { freePort, startPrometheus, type PrometheusServer } from '../../../../test/stack/support/prometheus-server';

const prometheusBinary = requireBinary('prometheus', 'the fleet view over native histograms');
const describeWithPrometheus = prometheusBinary ? describe : describe.skip;

const LLM_OK = Array.from({ length: 40 }, (_, i) => 0.3 * 1.07 ** i);
const LLM_FAILED = [2.5, 3.5, 4.5, 6.5, 9.5];
const RETRIEVAL = Array.from({ length: 30 }, (_, i) => [0.003, 0.015, 0.06][i % 3]!);

describeWithPrometheus('ragmeter report --prometheus over native and classic histograms', () => {
  let dir = '';
  let prometheus: PrometheusServer | undefined;
  let child: ChildProcess | undefined;
  let native: Server | undefined;
  let nativeTarget = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragmeter-fleet-native-'));
    const port = await freePort();
    const workload = { retrieval: RETRIEVAL, llm: [], failEvery: 1, tokens: { input: 0, output: 0 }, streams: 0, hostMetrics: false };
    child = spawn(process.execPath, [join(__dirname, 'fleet-instance.cjs'), String(port), JSON.stringify(workload)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const line = async (word: string): Promise<void> => {
      while (!out.split('\n').includes(word)) {
        if (child!.exitCode !== null) throw new Error(`the ragmeter instance exited with ${child!.exitCode}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await line('ready');
    child.stdin!.write('go\n');
    await line('done');

    const served = await serveNativeHistograms([
      { labels: { rag_operation_type: 'llm_inference' }, values: LLM_OK },
      { labels: { rag_operation_type: 'llm_inference', error_type: 'TimeoutError' }, values: LLM_FAILED },
    ]);
    native = served.server;
    nativeTarget = served.target;
    prometheus = await startPrometheus({
      binary: prometheusBinary!,
      dir,
      args: ['--enable-feature=native-histograms'],
      config: dump({
        global: { scrape_interval: '5s', scrape_timeout: '5s' },
        scrape_configs: [{ job_name: 'rag-api', static_configs: [{ targets: [`127.0.0.1:${port}`, nativeTarget] }] }],
      }),
    });
    const by = Date.now() + 40_000;
    const want = async (expr: string, value: number): Promise<boolean> => (await prometheus!.query(expr))[0]?.value === value;
    while (
      !(await want('sum(rag_operation_duration_seconds_count)', RETRIEVAL.length)) ||
      !(await want('sum(histogram_count(rag_operation_duration_seconds))', LLM_OK.length + LLM_FAILED.length))
    ) {
      if (Date.now() > by) throw new Error(`Prometheus did not get both instances' series:\n${prometheus.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r).kill('SIGTERM'));
    await new Promise((r) => (native ? native.close(r) : r(undefined)));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads each type from the histograms it has: counts exact, native percentiles in the right native bucket', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['report', '--prometheus', prometheus!.url, '--json'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as FleetReport;
    expect(checkReport(report).ok).toBe(true);
    expect(report.instances.count).toBe(2);
    expect(report.instances.list.map((i) => i.instance)).toContain(nativeTarget);

    const llm = report.operations.llm_inference!;
    expect([llm.total, llm.failed]).toEqual([LLM_OK.length + LLM_FAILED.length, LLM_FAILED.length]);
    const all = [...LLM_OK, ...LLM_FAILED].sort((a, b) => a - b);
    expect(llm.duration.avg).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 9);
    for (const [name, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      const exact = all[Math.ceil(q * all.length) - 1]!;
      const [lower, upper] = nativeBucket(exact);
      const value = llm.duration[name];
      expect({ name, exact, value, inBucket: value >= lower && value <= upper * (1 + 1e-12) }).toEqual({ name, exact, value, inBucket: true });
    }
    // The native histogram's buckets are 9 % wide: max is the top of the highest one.
    expect(llm.duration.max).toBeCloseTo(nativeBucket(Math.max(...all))[1], 9);

    // The classic type next to it, from the ragmeter instance.
    expect(report.operations.document_retrieval!.total).toBe(RETRIEVAL.length);
    expect(report.operations.document_retrieval!.duration.p50).toBeGreaterThan(0.01);
    expect(report.operations.document_retrieval!.duration.p50).toBeLessThanOrEqual(0.02);
  });
});
