import type { OtlpProtocol } from '../../src/config/types';
import {
  DURATION_BUCKETS_SECONDS,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  INSTRUMENTATION_SCOPE,
  METRIC_GEN_AI_DURATION,
  METRIC_GEN_AI_TOKENS,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_TOKENS,
  TOKEN_BUCKETS,
} from '../../src/instruments';
import type { PerformanceMonitor } from '../../src/monitor';
import type { PerformanceStats } from '../../src/report/types';
import { startRagMeter } from '../../src/start';
import { OtlpGrpcReceiver } from './grpc-receiver';
import { loadOtlpHttpTransportWithRequire } from './jest-http-transport';
import {
  STATUS_CODE_ERROR,
  TEMPORALITY_CUMULATIVE,
  attributesOf,
  type OtlpHistogramDataPoint,
  type OtlpNumberDataPoint,
  type ReceivedMetric,
  type ReceivedSpan,
} from './otlp-schema';
import { OtlpHttpReceiver } from './receiver';

loadOtlpHttpTransportWithRequire();

const SERVICE = 'otlp-export-test';
const MODEL = 'model-a';
/** Tokens of the two LLM calls of the pipeline. */
const LLM_CALLS = [
  { input: 120, output: 30 },
  { input: 80, output: 25 },
];
const ENV_KEYS = [
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'RAGMETER_OTLP_INTERVAL_MILLIS',
  'RAGMETER_PROMETHEUS',
  'RAGMETER_HOST_METRICS',
];

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A RAG request: query_processing around a retrieval and two LLM calls; then a failing rerank. */
async function pipeline(monitor: PerformanceMonitor): Promise<void> {
  await monitor.track('query_processing', { 'gen_ai.request.model': MODEL }, async () => {
    await monitor.track('document_retrieval', () => tick(5));
    for (const tokens of LLM_CALLS) {
      await monitor.track('llm_inference', { 'gen_ai.request.model': MODEL }, async (op) => {
        await tick(5);
        op.setTokens(tokens);
      });
    }
  });
  await expect(
    monitor.track('reranking', async () => {
      throw new RangeError('reranker down');
    }),
  ).rejects.toThrow('reranker down');
}

const points = <P extends { attributes?: unknown }>(metric: { dataPoints?: P[] } | undefined): (P & { attrs: Record<string, unknown> })[] =>
  (metric?.dataPoints ?? []).map((p) => ({ ...p, attrs: attributesOf((p as OtlpHistogramDataPoint).attributes) }));

const sumOf = (p: OtlpNumberDataPoint): number => (p.asDouble !== undefined ? p.asDouble : Number(p.asInt ?? 0));

const nanos = (s: string | undefined): bigint => BigInt(s ?? '0');
const ONE_MS = 1_000_000n;

interface Receiver {
  readonly url: string;
  spans(): ReceivedSpan[];
  lastMetric(name: string): ReceivedMetric | undefined;
  errors(): string[];
  requests(): { signal: string; contentType: string; headers: Record<string, string> }[];
  close(): Promise<void>;
}

const PROTOCOLS: { protocol: OtlpProtocol; contentType: string; start: () => Promise<Receiver> }[] = [
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', start: () => OtlpHttpReceiver.start() },
  { protocol: 'http/json', contentType: 'application/json', start: () => OtlpHttpReceiver.start() },
  { protocol: 'grpc', contentType: 'application/grpc', start: () => OtlpGrpcReceiver.start() },
];

describe.each(PROTOCOLS)('OTLP export over $protocol', ({ protocol, contentType, start }) => {
  const startMonitor = (receiver: Receiver, headers?: Record<string, string>): PerformanceMonitor =>
    startRagMeter({
      serviceName: SERVICE,
      prometheus: false,
      hostMetrics: false,
      otlp: { endpoint: receiver.url, protocol, intervalMillis: 500, ...(headers && { headers }) },
    });

  describe('a pipeline, then shutdown()', () => {
    let receiver: Receiver;
    let spans: ReceivedSpan[];
    let spansBeforeShutdown: number;
    let stats: Record<string, PerformanceStats>;

    beforeAll(async () => {
      receiver = await start();
      const monitor = startMonitor(receiver);
      try {
        await pipeline(monitor);
        stats = await monitor.getAllStats();
        spansBeforeShutdown = receiver.spans().length;
      } finally {
        await monitor.shutdown();
      }
      spans = receiver.spans();
    });

    afterAll(() => receiver.close());

    it('decodes every request', () => {
      expect(receiver.errors()).toEqual([]);
    });

    it('delivers the spans still batched when shutdown() is called', () => {
      // Spans wait up to 1 s for a batch; the pipeline takes a few ms, so shutdown's flush sent them.
      expect(spansBeforeShutdown).toBeLessThan(spans.length);
      expect(spans).toHaveLength(5);
    });

    it(`sends every request as ${contentType}`, () => {
      const requests = receiver.requests();
      expect(new Set(requests.map((r) => r.signal))).toEqual(new Set(['traces', 'metrics']));
      expect(new Set(requests.map((r) => r.contentType))).toEqual(new Set([contentType]));
    });

    it('exports one span per operation, named by type, under the service resource', () => {
      expect(spans.map((s) => s.name).sort()).toEqual(['document_retrieval', 'llm_inference', 'llm_inference', 'query_processing', 'reranking']);
      for (const span of spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(span.attrs['rag.operation.type']).toBe(span.name);
        expect(span.resource['service.name']).toBe(SERVICE);
        expect(span.scope).toBe(INSTRUMENTATION_SCOPE);
      }
      expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    });

    it('nests the retrieval and LLM spans under query_processing, in its trace and time span', () => {
      const root = spans.find((s) => s.name === 'query_processing')!;
      expect(root.parentSpanId).toBeUndefined();
      const children = spans.filter((s) => s.name === 'document_retrieval' || s.name === 'llm_inference');
      expect(children).toHaveLength(3);
      for (const child of children) {
        expect(child.parentSpanId).toBe(root.spanId);
        expect(child.traceId).toBe(root.traceId);
        expect(nanos(child.startTimeUnixNano)).toBeGreaterThanOrEqual(nanos(root.startTimeUnixNano));
        // OTel JS starts each span on Date.now() (whole ms) and ends it a measured duration later,
        // so an end can come out up to 1 ms past the parent's.
        expect(nanos(child.endTimeUnixNano)).toBeLessThanOrEqual(nanos(root.endTimeUnixNano) + ONE_MS);
      }
      const rerank = spans.find((s) => s.name === 'reranking')!;
      expect(rerank.parentSpanId).toBeUndefined();
      expect(rerank.traceId).not.toBe(root.traceId);
    });

    it('marks the failed operation with error status, error.type and the exception event', () => {
      const failed = spans.filter((s) => s.status?.code === STATUS_CODE_ERROR);
      expect(failed.map((s) => s.name)).toEqual(['reranking']);
      const rerank = failed[0]!;
      expect(rerank.status?.message).toBe('reranker down');
      expect(rerank.attrs['error.type']).toBe('RangeError');
      const exception = rerank.events?.find((e) => e.name === 'exception');
      expect(attributesOf(exception?.attributes)).toMatchObject({ 'exception.type': 'RangeError', 'exception.message': 'reranker down' });
    });

    it('puts the token usage on the LLM spans', () => {
      const llm = spans.filter((s) => s.name === 'llm_inference');
      expect(llm.map((s) => [s.attrs['gen_ai.usage.input_tokens'], s.attrs['gen_ai.usage.output_tokens']]).sort()).toEqual(
        LLM_CALLS.map((c) => [c.input, c.output]).sort(),
      );
      expect(llm.every((s) => s.attrs['gen_ai.request.model'] === MODEL)).toBe(true);
    });

    it('exports rag.operation.duration as a cumulative histogram with the SDK buckets and per-type counts', () => {
      const metric = receiver.lastMetric(METRIC_OPERATION_DURATION);
      expect(metric?.histogram?.aggregationTemporality).toBe(TEMPORALITY_CUMULATIVE);
      expect(metric?.unit).toBe('s');
      expect(metric?.resource['service.name']).toBe(SERVICE);
      const byType = new Map<unknown, OtlpHistogramDataPoint & { attrs: Record<string, unknown> }>();
      for (const p of points(metric?.histogram)) {
        expect(p.explicitBounds).toEqual([...DURATION_BUCKETS_SECONDS]);
        expect(p.bucketCounts).toHaveLength(DURATION_BUCKETS_SECONDS.length + 1);
        expect(p.bucketCounts!.reduce((a, b) => a + Number(b), 0)).toBe(Number(p.count));
        expect(byType.has(p.attrs['rag.operation.type'])).toBe(false);
        byType.set(p.attrs['rag.operation.type'], p);
      }
      expect([...byType.keys()].sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing', 'reranking']);
      for (const [type, p] of byType) {
        expect(Number(p.count)).toBe(stats[type as string]!.totalOperations);
        expect(p.sum).toBeCloseTo(stats[type as string]!.avgDurationSeconds * stats[type as string]!.totalOperations, 9);
      }
      expect(byType.get('llm_inference')!.attrs['gen_ai.request.model']).toBe(MODEL);
      expect(byType.get('reranking')!.attrs['error.type']).toBe('RangeError');
      // The parent's duration covers each child's.
      expect(byType.get('query_processing')!.max).toBeGreaterThanOrEqual(byType.get('llm_inference')!.max!);
    });

    it('exports rag.operation.tokens by gen_ai.token.type, summing what was recorded', () => {
      const metric = receiver.lastMetric(METRIC_OPERATION_TOKENS);
      expect(metric?.histogram?.aggregationTemporality).toBe(TEMPORALITY_CUMULATIVE);
      const tokens = points(metric?.histogram);
      expect(tokens.map((p) => [p.attrs['rag.operation.type'], p.attrs['gen_ai.token.type']]).sort()).toEqual([
        ['llm_inference', 'input'],
        ['llm_inference', 'output'],
      ]);
      for (const p of tokens) {
        const kind = p.attrs['gen_ai.token.type'] as 'input' | 'output';
        expect(p.explicitBounds).toEqual([...TOKEN_BUCKETS]);
        expect(Number(p.count)).toBe(LLM_CALLS.length);
        expect(p.sum).toBe(LLM_CALLS.reduce((a, c) => a + c[kind], 0));
      }
      expect(stats.llm_inference).toMatchObject({ inputTokens: 200, outputTokens: 55 });
    });

    it('exports rag.operation.memory.delta as a non-monotonic sum equal to the report', () => {
      const metric = receiver.lastMetric(METRIC_OPERATION_MEMORY_DELTA);
      expect(metric?.sum).toBeDefined();
      expect(metric?.sum?.isMonotonic ?? false).toBe(false);
      expect(metric?.sum?.aggregationTemporality).toBe(TEMPORALITY_CUMULATIVE);
      expect(metric?.unit).toBe('By');
      const byType = points(metric?.sum);
      expect(byType.map((p) => p.attrs['rag.operation.type']).sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing', 'reranking']);
      for (const p of byType) {
        const type = p.attrs['rag.operation.type'] as string;
        expect(Number.isFinite(sumOf(p))).toBe(true);
        expect(sumOf(p) / 2 ** 20).toBeCloseTo(stats[type]!.totalMemoryDeltaMb, 9);
      }
    });

    it('exports the GenAI client metrics for the LLM calls only', () => {
      const duration = points(receiver.lastMetric(METRIC_GEN_AI_DURATION)?.histogram);
      expect(duration).toHaveLength(1);
      expect(duration[0]!.attrs).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODEL });
      expect(Number(duration[0]!.count)).toBe(LLM_CALLS.length);
      expect(duration[0]!.explicitBounds).toEqual([...GEN_AI_DURATION_BUCKETS_SECONDS]);

      const usage = points(receiver.lastMetric(METRIC_GEN_AI_TOKENS)?.histogram);
      expect(usage.map((p) => p.attrs).sort((a, b) => String(a['gen_ai.token.type']).localeCompare(String(b['gen_ai.token.type'])))).toEqual([
        { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODEL, 'gen_ai.token.type': 'input' },
        { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODEL, 'gen_ai.token.type': 'output' },
      ]);
      for (const p of usage) {
        const kind = p.attrs['gen_ai.token.type'] as 'input' | 'output';
        expect(Number(p.count)).toBe(LLM_CALLS.length);
        expect(p.sum).toBe(LLM_CALLS.reduce((a, c) => a + c[kind], 0));
      }
    });
  });

  describe('configuration', () => {
    let receiver: Receiver;
    let monitor: PerformanceMonitor | undefined;
    let savedEnv: Record<string, string | undefined>;

    beforeEach(async () => {
      savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
      receiver = await start();
    });

    afterEach(async () => {
      await monitor?.shutdown();
      monitor = undefined;
      await receiver.close();
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it('sends the configured headers, with OTEL_EXPORTER_OTLP_HEADERS under them', async () => {
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-env-token=env%20secret,x-tenant=from-env';
      const m = (monitor = startMonitor(receiver, { authorization: 'Bearer code-token', 'x-tenant': 'from-code' }));
      m.track('document_retrieval', () => undefined);
      await m.shutdown();

      const requests = receiver.requests();
      expect(new Set(requests.map((r) => r.signal))).toEqual(new Set(['traces', 'metrics']));
      for (const r of requests) {
        expect(r.headers).toMatchObject({ authorization: 'Bearer code-token', 'x-tenant': 'from-code', 'x-env-token': 'env secret' });
      }
    });

    it('sends each signal to its OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT when those are set', async () => {
      const full = (signal: string) => (protocol === 'grpc' ? receiver.url : `${receiver.url}/v1/${signal}`);
      Object.assign(process.env, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: full('traces'),
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: full('metrics'),
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        RAGMETER_OTLP_INTERVAL_MILLIS: '500',
        RAGMETER_PROMETHEUS: 'false',
        RAGMETER_HOST_METRICS: 'false',
      });
      const m = (monitor = startRagMeter({ serviceName: SERVICE }));
      m.track('reranking', () => undefined);
      await m.shutdown();

      expect(receiver.errors()).toEqual([]);
      expect(receiver.spans().map((s) => s.name)).toEqual(['reranking']);
      expect(receiver.lastMetric(METRIC_OPERATION_DURATION)).toBeDefined();
    });

    it('takes endpoint, protocol and headers from the OTEL_EXPORTER_OTLP_* variables alone', async () => {
      Object.assign(process.env, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20env-token',
        RAGMETER_OTLP_INTERVAL_MILLIS: '500',
        RAGMETER_PROMETHEUS: 'false',
        RAGMETER_HOST_METRICS: 'false',
      });
      const m = (monitor = startRagMeter({ serviceName: SERVICE }));
      m.track('embedding_generation', (op) => op.setTokens({ input: 7 }));
      await m.shutdown();

      expect(receiver.errors()).toEqual([]);
      expect(receiver.spans().map((s) => s.name)).toEqual(['embedding_generation']);
      const usage = points(receiver.lastMetric(METRIC_GEN_AI_TOKENS)?.histogram);
      expect(usage.map((p) => [p.attrs['gen_ai.operation.name'], p.sum])).toEqual([['embeddings', 7]]);
      const requests = receiver.requests();
      expect(new Set(requests.map((r) => r.contentType))).toEqual(new Set([contentType]));
      for (const r of requests) expect(r.headers.authorization).toBe('Bearer env-token');
    });
  });
});
