import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, type Histogram as OtelHistogram } from '@opentelemetry/sdk-metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_OPERATION_TYPE,
  ATTR_TOKEN_TYPE,
  DURATION_BUCKETS_SECONDS,
  METRIC_GEN_AI_DURATION,
  METRIC_GEN_AI_TOKENS,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_TOKENS,
  METRIC_OPERATION_TTFT,
  TOKEN_BUCKETS,
} from '../src/instruments.js';
import { RagMeterConfigError } from '../src/config/validate.js';
import { PerformanceMonitor } from '../src/monitor.js';
import { OperationType } from '../src/operation-type.js';
import { PercentileReader } from '../src/reader/percentile-reader.js';
import { CollectingReader, pointsOf, useMonitors } from './helpers/monitors.js';

const newMonitor = useMonitors();

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('what exporters see (a second, default MetricReader on the same provider)', () => {
  it('duration and token histograms keep their explicit buckets, by rag.operation.type', async () => {
    const view = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [view] });
    monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 0.003, tokens: 5 });
    monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 0.7 });
    const metrics = await view.metrics();
    const [duration] = pointsOf(metrics, METRIC_OPERATION_DURATION);
    expect(duration!.attributes).toEqual({ [ATTR_OPERATION_TYPE]: 'document_retrieval' });
    const h = duration!.value as OtelHistogram;
    expect(h.count).toBe(2);
    expect(h.buckets.boundaries).toEqual([...DURATION_BUCKETS_SECONDS]);
    const [tokens] = pointsOf(metrics, METRIC_OPERATION_TOKENS);
    expect((tokens!.value as OtelHistogram).buckets.boundaries).toEqual([...TOKEN_BUCKETS]);
    expect((tokens!.value as OtelHistogram).sum).toBe(5);
  });

  it('failures carry error.type; tokens split by gen_ai.token.type; memory deltas can be negative', async () => {
    const view = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [view] });
    class QuotaError extends Error {}
    monitor.track(OperationType.RERANKING, (op) => op.fail(new QuotaError('quota')));
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 1, inputTokens: 10, outputTokens: 3, memoryDeltaMb: -1 });
    const metrics = await view.metrics();
    const durations = pointsOf(metrics, METRIC_OPERATION_DURATION).map((p) => p.attributes[ATTR_ERROR_TYPE]).sort();
    expect(durations).toEqual(['QuotaError', undefined]);
    const tokens = Object.fromEntries(
      pointsOf(metrics, METRIC_OPERATION_TOKENS).map((p) => [p.attributes[ATTR_TOKEN_TYPE], (p.value as OtelHistogram).sum]),
    );
    expect(tokens).toEqual({ input: 10, output: 3 });
    const memory = pointsOf(metrics, METRIC_OPERATION_MEMORY_DELTA).find((p) => p.attributes[ATTR_ERROR_TYPE] === undefined);
    expect(memory!.value).toBe(-1024 * 1024);
  });

  it('only allowlisted user attributes become metric labels', async () => {
    const view = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [view] });
    monitor.recordOperation({
      type: OperationType.LLM_INFERENCE,
      durationSeconds: 1,
      attributes: { 'gen_ai.request.model': 'gpt-x', 'user.id': 'u-123', prompt_len: 99 },
    });
    const [point] = pointsOf(await view.metrics(), METRIC_OPERATION_DURATION);
    expect(point!.attributes).toEqual({ [ATTR_OPERATION_TYPE]: 'llm_inference', 'gen_ai.request.model': 'gpt-x' });

    const customView = new CollectingReader();
    const custom = newMonitor({ metricReaders: [customView], metricAttributes: ['tenant'] });
    custom.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, attributes: { tenant: 'acme', 'gen_ai.request.model': 'gpt-x' } });
    const [customPoint] = pointsOf(await customView.metrics(), METRIC_OPERATION_DURATION);
    expect(customPoint!.attributes).toEqual({ [ATTR_OPERATION_TYPE]: 'llm_inference', tenant: 'acme' });
  });

  it('GenAI semantic-convention metrics for LLM and embedding operations only', async () => {
    const view = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [view] });
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 2, inputTokens: 50, outputTokens: 5, attributes: { 'gen_ai.request.model': 'm1' } });
    monitor.recordOperation({ type: OperationType.EMBEDDING_GENERATION, durationSeconds: 0.2, inputTokens: 8, success: false, errorType: 'Timeout' });
    monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 0.1, tokens: 4 });
    const metrics = await view.metrics();
    const genAi = pointsOf(metrics, METRIC_GEN_AI_DURATION).map((p) => p.attributes);
    expect(genAi).toEqual(
      expect.arrayContaining([
        { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', 'gen_ai.request.model': 'm1' },
        { [ATTR_GEN_AI_OPERATION_NAME]: 'embeddings', [ATTR_ERROR_TYPE]: 'Timeout' },
      ]),
    );
    expect(genAi).toHaveLength(2);
    const usage = pointsOf(metrics, METRIC_GEN_AI_TOKENS).map((p) => [p.attributes[ATTR_GEN_AI_OPERATION_NAME], p.attributes[ATTR_TOKEN_TYPE], (p.value as OtelHistogram).sum]);
    expect(usage.sort()).toEqual([
      ['chat', 'input', 50],
      ['chat', 'output', 5],
      ['embeddings', 'input', 8],
    ]);
  });

  it('time to first token is its own histogram', async () => {
    const view = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [view] });
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.markFirstToken();
    op.end();
    const [ttft] = pointsOf(await view.metrics(), METRIC_OPERATION_TTFT);
    expect((ttft!.value as OtelHistogram).count).toBe(1);
    expect(monitor.percentileReader.aggregates().size).toBe(0); // not collected yet by the report's reader
    await monitor.getOperationCount();
    expect(monitor.percentileReader.aggregates().get('llm_inference')!.timeToFirstToken.count).toBe(1);
  });
});

describe("using the application's providers", () => {
  it('meterProvider needs a percentileReader registered on it', () => {
    const provider = new MeterProvider();
    cleanups.push(() => provider.shutdown());
    expect(() => new PerformanceMonitor({ meterProvider: provider })).toThrow(RagMeterConfigError);
    expect(() => new PerformanceMonitor({ meterProvider: provider })).toThrow(/"meterProvider".*percentileReader/);
  });

  it("records on the application's meter provider through the given percentile reader", async () => {
    const reader = new PercentileReader();
    const view = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader, view] });
    cleanups.push(() => provider.shutdown());
    const monitor = newMonitor({ meterProvider: provider, percentileReader: reader, tracing: false });
    expect(monitor.percentileReader).toBe(reader);
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.5 });
    expect(await monitor.getOperationCount(OperationType.RERANKING)).toBe(1);
    expect(pointsOf(await view.metrics(), METRIC_OPERATION_DURATION)).toHaveLength(1);
    await monitor.shutdown();
    // the monitor does not shut down a provider it does not own
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.5 });
    expect((pointsOf(await view.metrics(), METRIC_OPERATION_DURATION)[0]!.value as OtelHistogram).count).toBe(2);
  });

  it("sends spans to the application's tracer provider", async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    cleanups.push(() => tracerProvider.shutdown());
    const monitor = newMonitor({ tracerProvider });
    monitor.track(OperationType.LLM_INFERENCE, () => undefined);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['llm_inference']);
    expect(monitor.tracerProvider).toBe(tracerProvider);
  });
});

describe('options', () => {
  it.each([
    ['windowSeconds', 0],
    ['windowSeconds', -5],
    ['maxAttributeValueLength', NaN],
    ['maxAttributesPerOperation', Infinity],
  ])('%s = %p is a configuration error, thrown at construction', (key, value) => {
    // The same error and message as startRagMeter() gives for the same option.
    expect(() => new PerformanceMonitor({ [key]: value })).toThrow(RagMeterConfigError);
    expect(() => new PerformanceMonitor({ [key]: value })).toThrow(`ragmeter: invalid config "${key}": expected a positive`);
  });
});
