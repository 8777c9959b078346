import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DURATION_BUCKETS_SECONDS, METRIC_OPERATION_DURATION } from '../../src/instruments';
import { PerformanceMonitor } from '../../src/monitor';
import { attributesOf, canonical, metricsOf, spansOf, type OtlpMetricsRequest, type OtlpTraceRequest } from './otlp-schema';
import { loadOtlpHttpTransportWithRequire } from './jest-http-transport';
import { OtlpHttpReceiver } from './receiver';

loadOtlpHttpTransportWithRequire();

// The .proto subset in ./proto is hand-written. This file proves its field numbers and types:
// the same spans and metrics, sent once as protobuf and once as JSON by the official exporters,
// must decode to the same OTLP document. A wrong number or wire type of a field the exporters
// fill shows up as a difference (or a decode error).

class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

const send = <T>(exporter: Exporter<T>, items: T): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(items, resolve));

let receiver: OtlpHttpReceiver;
let monitor: PerformanceMonitor;
const exporters: Exporter<never>[] = [];

beforeEach(async () => {
  receiver = await OtlpHttpReceiver.start();
});

afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await monitor?.shutdown();
  await receiver.close();
});

/** Spans and metrics covering every value kind ragmeter produces (and int64s, negatives, arrays). */
async function sample(): Promise<{ spans: ReadableSpan[]; metrics: ResourceMetrics }> {
  const spans = new InMemorySpanExporter();
  const reader = new PullReader();
  monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(spans)], metricReaders: [reader] });
  const attributes = {
    'gen_ai.request.model': 'model-x',
    'rag.k': 5,
    'rag.offset': -7,
    'rag.score': 0.25,
    'rag.cached': true,
    'rag.sources': ['a', 'b'],
    'rag.ranks': [1, 2, 3],
  };
  await monitor.track('query_processing', attributes, async () => {
    await monitor.track('llm_inference', async (op) => {
      op.setTokens({ input: 3_000_000_000, output: 12 });
    });
    expect(() =>
      monitor.track('reranking', () => {
        throw new TypeError('bad input');
      }),
    ).toThrow('bad input');
  });
  monitor.recordOperation({ type: 'document_retrieval', durationSeconds: 0.02, memoryDeltaMb: -1.5 });
  monitor.recordOperation({ type: 'document_retrieval', durationSeconds: 0.04, memoryDeltaMb: -0.5 });
  const int = monitor.meterProvider.getMeter('schema-test').createCounter('test.int', { valueType: ValueType.INT });
  int.add(2 ** 40, { 'test.big': 2 ** 40 });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return { spans: spans.getFinishedSpans(), metrics: resourceMetrics };
}

it('decodes protobuf traces to the same document as the JSON exporter sends', async () => {
  const { spans } = await sample();
  const proto = new ProtoTraceExporter({ url: `${receiver.url}/v1/traces` });
  const json = new JsonTraceExporter({ url: `${receiver.url}/v1/traces` });
  exporters.push(proto as Exporter<never>, json as Exporter<never>);

  expect((await send(proto, spans)).code).toBe(ExportResultCode.SUCCESS);
  expect((await send(json, spans)).code).toBe(ExportResultCode.SUCCESS);

  expect(receiver.errors()).toEqual([]);
  expect(receiver.traceRequests.map((r) => r.contentType)).toEqual(['application/x-protobuf', 'application/json']);
  const [fromProto, fromJson] = receiver.traceRequests.map((r) => r.body as OtlpTraceRequest);
  expect(canonical(fromProto)).toEqual(canonical(fromJson));

  // ...and the common document is the data that went in, not two equally empty decodes.
  const decoded = spansOf([fromProto!]);
  expect(spans.map((s) => s.name).sort()).toEqual(['document_retrieval', 'document_retrieval', 'llm_inference', 'query_processing', 'reranking']);
  expect(decoded).toHaveLength(spans.length);
  for (const span of spans) {
    const got = decoded.find((s) => s.spanId === span.spanContext().spanId)!;
    expect(got.traceId).toBe(span.spanContext().traceId);
    expect(got.parentSpanId).toBe(span.parentSpanContext?.spanId);
    expect(got.attrs).toEqual(span.attributes);
    expect(got.status?.code ?? 0).toBe(span.status.code);
    expect((got.events ?? []).map((e) => e.name)).toEqual(span.events.map((e) => e.name));
    const startNanos = BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1]);
    expect(got.startTimeUnixNano).toBe(startNanos.toString());
  }
  const query = decoded.find((s) => s.name === 'query_processing')!;
  expect(query.attrs).toMatchObject({ 'rag.offset': -7, 'rag.sources': ['a', 'b'], 'rag.cached': true, 'rag.score': 0.25 });
  expect(decoded.find((s) => s.name === 'llm_inference')!.attrs['gen_ai.usage.input_tokens']).toBe(3_000_000_000);
  expect(decoded.find((s) => s.name === 'reranking')!.events?.[0]?.name).toBe('exception');
});

it('decodes protobuf metrics to the same document as the JSON exporter sends', async () => {
  const { metrics } = await sample();
  const proto = new ProtoMetricExporter({ url: `${receiver.url}/v1/metrics` });
  const json = new JsonMetricExporter({ url: `${receiver.url}/v1/metrics` });
  exporters.push(proto as Exporter<never>, json as Exporter<never>);

  expect((await send(proto, metrics)).code).toBe(ExportResultCode.SUCCESS);
  expect((await send(json, metrics)).code).toBe(ExportResultCode.SUCCESS);

  expect(receiver.errors()).toEqual([]);
  expect(receiver.metricRequests.map((r) => r.contentType)).toEqual(['application/x-protobuf', 'application/json']);
  const [fromProto, fromJson] = receiver.metricRequests.map((r) => r.body as OtlpMetricsRequest);
  expect(canonical(fromProto)).toEqual(canonical(fromJson));

  const decoded = metricsOf([fromProto!]);
  const duration = decoded.find((m) => m.name === METRIC_OPERATION_DURATION)!;
  expect(duration.histogram?.dataPoints?.[0]?.explicitBounds).toEqual([...DURATION_BUCKETS_SECONDS]);
  const retrieval = duration.histogram!.dataPoints!.find((p) => attributesOf(p.attributes)['rag.operation.type'] === 'document_retrieval')!;
  expect(retrieval).toMatchObject({ count: '2', min: 0.02, max: 0.04 });
  expect(retrieval.sum).toBeCloseTo(0.06, 12);
  const int = decoded.find((m) => m.name === 'test.int')!;
  expect(int.sum?.dataPoints?.[0]).toMatchObject({ asInt: String(2 ** 40) });
  expect(attributesOf(int.sum?.dataPoints?.[0]?.attributes)).toEqual({ 'test.big': 2 ** 40 });
  expect(int.sum?.isMonotonic).toBe(true);
  const memory = decoded.find((m) => m.name === 'rag.operation.memory.delta')!;
  const retrievalMemory = memory.sum!.dataPoints!.find((p) => attributesOf(p.attributes)['rag.operation.type'] === 'document_retrieval');
  expect(retrievalMemory?.asDouble).toBe(-2 * 2 ** 20);
});
