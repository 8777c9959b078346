import { context, metrics, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OperationType,
  PercentileReader,
  REPORT_SCHEMA_VERSION,
  RagMeterConfigError,
  createPrometheusReader,
  getPerformanceMonitor,
  startRagMeter,
  type PerformanceMonitor,
} from '../src';
import { DURATION_BUCKETS_SECONDS } from '../src/instruments';
import { find, parsePrometheusText } from './helpers/prometheus-text';

const SDK_DIR = join(__dirname, '..');
const schema = JSON.parse(readFileSync(join(SDK_DIR, 'schema', 'report.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validateReport = ajv.compile(schema);

let monitor: PerformanceMonitor | undefined;
const started = (config: Parameters<typeof startRagMeter>[0]) => (monitor = startRagMeter(config));

afterEach(async () => {
  await monitor?.shutdown();
  monitor = undefined;
  trace.disable();
  metrics.disable();
  context.disable();
});

const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
};

describe('startRagMeter: the HTTP endpoints', () => {
  it('serves /metrics that Prometheus parses, with the documented names, buckets and counts', async () => {
    const m = started({ serviceName: 'scrape-test', prometheus: { port: 0 }, hostMetrics: false });
    for (let i = 0; i < 7; i++) m.track(OperationType.DOCUMENT_RETRIEVAL, () => i);
    await m.track(OperationType.LLM_INFERENCE, { 'gen_ai.request.model': 'm1' }, async (op) => {
      op.setTokens({ input: 40, output: 9 });
    });
    expect(() => m.track(OperationType.RERANKING, () => { throw new TypeError('bad'); })).toThrow(TypeError);
    m.recordOperation({ type: 'Not A Type', durationSeconds: 1 });

    const res = await get(`${await m.serverUrl()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exp = parsePrometheusText(res.body);

    expect(exp.types.get('rag_operation_duration_seconds')).toBe('histogram');
    const retrievalCount = find(exp, 'rag_operation_duration_seconds_count', { rag_operation_type: 'document_retrieval' });
    expect(retrievalCount.map((s) => s.value)).toEqual([7]);
    const buckets = find(exp, 'rag_operation_duration_seconds_bucket', { rag_operation_type: 'document_retrieval' });
    expect(buckets.map((s) => s.labels.le)).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
    expect(buckets[buckets.length - 1]!.value).toBe(7);

    const failed = find(exp, 'rag_operation_duration_seconds_count', { rag_operation_type: 'reranking', error_type: 'TypeError' });
    expect(failed.map((s) => s.value)).toEqual([1]);
    const input = find(exp, 'rag_operation_tokens_sum', { rag_operation_type: 'llm_inference', gen_ai_token_type: 'input', gen_ai_request_model: 'm1' });
    expect(input.map((s) => s.value)).toEqual([40]);
    expect(find(exp, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output', gen_ai_operation_name: 'chat' }).map((s) => s.value)).toEqual([9]);
    expect(find(exp, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_request_model: 'm1' }).map((s) => s.value)).toEqual([1]);
    expect(exp.types.get('rag_operation_memory_delta_bytes')).toBe('gauge');
    expect(find(exp, 'rag_sdk_dropped_total', { reason: 'invalid_operation_type' }).map((s) => s.value)).toEqual([1]);
    expect(find(exp, 'target_info', { service_name: 'scrape-test' })).toHaveLength(1);
  });

  const promtool = '/usr/bin/promtool';
  const havePromtool = existsSync(promtool);
  if (!havePromtool && !process.env.CI) {
    console.warn('promtool not installed (Debian package "prometheus"): the promtool lint of /metrics is skipped');
  }
  (havePromtool || process.env.CI ? it : it.skip)('passes `promtool check metrics`', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: true });
    m.track(OperationType.SEMANTIC_CHUNKING, (op) => { op.tokens = 12; });
    m.recordOperation({ type: 'pdf_loading', durationSeconds: 0.2, success: false, memoryDeltaMb: -1 });
    const body = (await get(`${await m.serverUrl()}/metrics`)).body;
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(promtool, ['check', 'metrics']);
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code, output }));
      child.stdin.end(body);
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('serves /report as a schema-valid report, with an optional recent window', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: false });
    m.recordOperation({ type: OperationType.EMBEDDING_GENERATION, durationSeconds: 0.05, inputTokens: 300 });
    const base = await m.serverUrl();
    const all = await get(`${base}/report`);
    expect(all.status).toBe(200);
    const report = JSON.parse(all.body);
    expect(validateReport(report)).toBe(true);
    expect(report.operations.embedding_generation.total).toBe(1);
    expect(report.operations.embedding_generation.tokens.input).toBe(300);
    expect(report.window_seconds).toBeNull();

    const recent = JSON.parse((await get(`${base}/report?window=60`)).body);
    expect(validateReport(recent)).toBe(true);
    expect(recent.window_seconds).toBe(60);
    expect(recent.operations.embedding_generation.total).toBe(1);
    const bad = await get(`${base}/report?window=soon`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/window/);
  });

  it('answers /health 200 when healthy and 503 with the issues when not', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: false, health: { maxErrorRate: 0.2, minOperationsForErrorRate: 5, maxRssMb: 1e6 } });
    const url = `${await m.serverUrl()}/health`;
    for (let i = 0; i < 10; i++) m.recordOperation({ type: 'llm_inference', durationSeconds: 0.1 });
    const ok = await get(url);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ status: 'healthy', total_operations: 10, issues: [] });

    for (let i = 0; i < 5; i++) m.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, success: false });
    const bad = await get(url);
    expect(bad.status).toBe(503);
    const health = JSON.parse(bad.body);
    expect(health.status).toBe('warning');
    expect(health.issues.join('\n')).toMatch(/llm_inference.*33\.3%/);

    const gauge = find(parsePrometheusText((await get(`${await m.serverUrl()}/metrics`)).body), 'rag_health_status');
    expect(gauge.map((s) => s.value)).toEqual([0]);
  });

  it('answers HEAD without a body, 404 elsewhere and 405 for other methods', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: false, health: { maxRssMb: 1e6 } }); // the jest worker's RSS is not under test
    const base = await m.serverUrl();
    for (const path of ['/', '/metrics', '/report', '/health']) {
      const head = await get(`${base}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    }
    expect((await get(`${base}/nothing-here`)).status).toBe(404);
    expect((await get(`${base}/metrics/extra`)).status).toBe(404);
    const post = await get(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves the live page at / beside the endpoints, under a same-origin content policy', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: false, health: { maxRssMb: 1e6 } });
    const base = await m.serverUrl();
    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(page.body).toMatch(/<script src="page\.js" defer><\/script>/);
    for (const [path, type] of [
      ['/page.js', 'text/javascript; charset=utf-8'],
      ['/page.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const file = await get(`${base}${path}`);
      expect([path, file.status, file.headers.get('content-type')]).toEqual([path, 200, type]);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // the endpoints keep their answers
    expect((await get(`${base}/metrics`)).headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(JSON.parse((await get(`${base}/report`)).body)).toHaveProperty('schema_version', REPORT_SCHEMA_VERSION);
    expect((await get(`${base}/health`)).status).toBe(200);
    expect((await get(`${base}/report`)).headers.get('content-security-policy')).toBeNull();
  });

  it('reports a port in use clearly, without crashing the application', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const m = started({ prometheus: { port }, hostMetrics: false });
      await expect(m.serverUrl()).rejects.toThrow(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      // the monitor itself keeps working
      m.track('reranking', () => undefined);
      expect(await m.getOperationCount('reranking')).toBe(1);
      expect(warn.mock.calls.some((c) => /already in use/.test(String(c[0])))).toBe(true);
    } finally {
      warn.mockRestore();
      blocker.close();
    }
  });

  it('stops serving after shutdown()', async () => {
    const m = started({ prometheus: { port: 0 }, hostMetrics: false });
    const url = await m.serverUrl();
    await m.shutdown();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('startRagMeter: start-up semantics', () => {
  it('is idempotent and warns when called again with another config', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const a = started({ prometheus: false, hostMetrics: false });
      expect(startRagMeter({ prometheus: false, hostMetrics: false })).toBe(a);
      expect(warn).not.toHaveBeenCalled();
      expect(startRagMeter({ prometheus: false, hostMetrics: false, windowSeconds: 30 })).toBe(a);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/different configuration/);
      expect(getPerformanceMonitor()).toBe(a);
    } finally {
      warn.mockRestore();
    }
  });

  it.each([null, 'port 9464', 42])('throws a RagMeterConfigError, not a TypeError, for %p as the options', (options) => {
    const before = getPerformanceMonitor();
    expect(() => startRagMeter(options as never)).toThrow(expect.objectContaining({ name: 'RagMeterConfigError', key: '(options)' }));
    expect(getPerformanceMonitor()).toBe(before);
  });

  it('throws a RagMeterConfigError for invalid config before starting anything', () => {
    expect(() => startRagMeter({ prometheus: { port: 99999 } })).toThrow(RagMeterConfigError);
    expect(() => startRagMeter({ bogus: 1 } as never)).toThrow(/unknown config key "bogus"/);
  });

  it('reads the environment: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, RAGMETER_*', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      OTEL_SERVICE_NAME: 'env-service',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
      RAGMETER_PROMETHEUS_PORT: '0',
      RAGMETER_HOST_METRICS: 'false',
    });
    try {
      const m = started({});
      const exp = parsePrometheusText((await get(`${await m.serverUrl()}/metrics`)).body);
      expect(find(exp, 'target_info', { service_name: 'env-service', deployment_environment: 'test' })).toHaveLength(1);
      expect(exp.samples.some((s) => s.name.startsWith('process_'))).toBe(false);
    } finally {
      process.env = saved;
    }
  });

  it('names the variable when the environment is invalid', () => {
    const saved = { ...process.env };
    process.env.RAGMETER_PROMETHEUS_PORT = '123456';
    try {
      expect(() => startRagMeter({})).toThrow(/"prometheus\.port".*\(from the environment: RAGMETER_PROMETHEUS_PORT\)/);
    } finally {
      process.env = saved;
    }
  });

  it('RAGMETER_PRICING_FILE: prices from the file, merged under the code\'s; a bad file fails start-up naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragmeter-start-pricing-'));
    const pricing = join(dir, 'prices.json');
    writeFileSync(
      pricing,
      JSON.stringify({
        'file-llm': { inputPerMillionTokens: 4, outputPerMillionTokens: 0 },
        'both-llm': { inputPerMillionTokens: 100, outputPerMillionTokens: 0 },
      }),
    );
    const saved = { ...process.env };
    process.env.RAGMETER_PRICING_FILE = pricing;
    try {
      const m = started({ prometheus: false, hostMetrics: false, pricing: { 'both-llm': { inputPerMillionTokens: 1, outputPerMillionTokens: 0 } } });
      for (const model of ['file-llm', 'both-llm']) {
        m.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 1_000_000, attributes: { 'gen_ai.request.model': model } });
      }
      expect((await m.generateReport()).operations.llm_inference!.cost!.total_usd).toBeCloseTo(4 + 1, 12);
      await m.shutdown();
      monitor = undefined;

      writeFileSync(pricing, JSON.stringify({ 'file-llm': { inputPerMillionTokens: 4 } }));
      expect(() => startRagMeter({})).toThrow(RagMeterConfigError);
      expect(() => startRagMeter({})).toThrow(pricing);
      expect(() => startRagMeter({})).toThrow(/file-llm\.outputPerMillionTokens/);
    } finally {
      process.env = saved;
    }
  });

  it('OTEL_SDK_DISABLED=true: no server, no spans, the local report still counts', async () => {
    const saved = { ...process.env };
    process.env.OTEL_SDK_DISABLED = 'true';
    try {
      const m = started({});
      expect(await m.serverUrl()).toBeUndefined();
      expect(m.tracerProvider).toBeUndefined();
      m.track('document_retrieval', () => 1);
      expect(await m.getOperationCount()).toBe(1);
    } finally {
      process.env = saved;
    }
  });
});

describe('startRagMeter: coexistence with an existing OTel setup', () => {
  it('leaves a pre-registered NodeTracerProvider global in place, and nests under its spans', async () => {
    const exporter = new InMemorySpanExporter();
    const app = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    app.register();
    const m = started({ prometheus: false, hostMetrics: false, tracerProvider: app });
    expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).toBe(app);

    await app.getTracer('app').startActiveSpan('GET /query', async (request) => {
      await m.track(OperationType.QUERY_PROCESSING, async () => {
        await new Promise((r) => setTimeout(r, 1));
        m.track(OperationType.DOCUMENT_RETRIEVAL, () => undefined);
      });
      request.end();
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const query = byName.get('query_processing')!;
    const retrieval = byName.get('document_retrieval')!;
    expect(query.parentSpanContext?.spanId).toBe(byName.get('GET /query')!.spanContext().spanId);
    expect(retrieval.parentSpanContext?.spanId).toBe(query.spanContext().spanId);
    await app.shutdown();
  });

  it('registerGlobal: registers when nothing is there, warns and keeps the existing provider otherwise', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const m = started({ prometheus: false, hostMetrics: false, registerGlobal: true });
      expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).toBe(m.tracerProvider);
      expect(metrics.getMeterProvider()).toBe(m.meterProvider);
      expect(warn).not.toHaveBeenCalled();
      await m.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();

      const app = new NodeTracerProvider();
      app.register();
      const m2 = started({ prometheus: false, hostMetrics: false, registerGlobal: true });
      expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).toBe(app);
      expect(m2.tracerProvider).not.toBe(app);
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/already registered/);
    } finally {
      warn.mockRestore();
    }
  });

  it('joins an application NodeSDK: its meter provider, its exporters, our reader and /metrics', async () => {
    const percentileReader = new PercentileReader();
    const prometheusReader = createPrometheusReader();
    const exporter = new InMemorySpanExporter();
    const sdk = new NodeSDK({
      serviceName: 'node-sdk-app',
      metricReaders: [percentileReader, prometheusReader],
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      instrumentations: [],
      resourceDetectors: [],
    });
    sdk.start();
    try {
      const m = started({
        meterProvider: metrics.getMeterProvider(),
        tracerProvider: trace.getTracerProvider(),
        percentileReader,
        prometheusReader,
        prometheus: { port: 0 },
        hostMetrics: false,
      });
      await m.track(OperationType.QUERY_PROCESSING, async () => {
        await m.track(OperationType.RERANKING, async () => undefined);
      });
      expect(await m.getOperationCount()).toBe(2);
      const exp = parsePrometheusText((await get(`${await m.serverUrl()}/metrics`)).body);
      expect(find(exp, 'rag_operation_duration_seconds_count', { rag_operation_type: 'reranking' }).map((s) => s.value)).toEqual([1]);
      expect(find(exp, 'target_info', { service_name: 'node-sdk-app' })).toHaveLength(1);
      const spans = exporter.getFinishedSpans();
      const query = spans.find((s) => s.name === 'query_processing')!;
      expect(spans.find((s) => s.name === 'reranking')!.parentSpanContext?.spanId).toBe(query.spanContext().spanId);
      await m.shutdown();
    } finally {
      await sdk.shutdown();
    }
  });

  it('refuses OTLP settings when joining an external SDK, and /metrics without a prometheusReader', () => {
    const percentileReader = new PercentileReader();
    const meterProvider = metrics.getMeterProvider();
    expect(() => startRagMeter({ meterProvider, percentileReader, otlp: { endpoint: 'http://localhost:4318' } })).toThrow(/"otlp"/);
    expect(() => startRagMeter({ meterProvider, percentileReader, prometheus: { port: 0 } })).toThrow(/prometheusReader/);
  });
});
