// ragmeter inside an application's own OpenTelemetry NodeSDK (OTel JS 2.x or 3.x): the
// application's providers carry ragmeter's spans and metrics, and ragmeter's readers feed the
// percentile report and /metrics. The docs/configuration.md set-up, runnable.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { metrics, trace } from '@opentelemetry/api';
import { PercentileReader, createPrometheusReader, startRagMeter, OperationType } from '@ragmeter/sdk';

// Stands in for the application's span exporter: prints each span's name and parent.
const spans = [];
const spanProcessor = {
  onStart() {},
  onEnd(span) { spans.push(span); },
  forceFlush: async () => {},
  shutdown: async () => {},
};

const percentileReader = new PercentileReader();   // the in-memory percentile report
const prometheusReader = createPrometheusReader(); // served by ragmeter at /metrics
const sdk = new NodeSDK({
  serviceName: 'rag-api',
  metricReaders: [percentileReader, prometheusReader],
  spanProcessors: [spanProcessor],
});
sdk.start();

const monitor = startRagMeter({
  meterProvider: metrics.getMeterProvider(),
  tracerProvider: trace.getTracerProvider(),
  percentileReader,
  prometheusReader,
  prometheus: { port: 0 },
});

await monitor.track(OperationType.QUERY_PROCESSING, async () => {
  await monitor.track(OperationType.DOCUMENT_RETRIEVAL, async () => ['doc-1', 'doc-2']);
  await monitor.track(OperationType.LLM_INFERENCE, async (op) => op.setTokens({ input: 120, output: 30 }));
});

const metricsText = await (await fetch(new URL('/metrics', await monitor.serverUrl()))).text();
console.log(metricsText.split('\n').filter((line) => line.startsWith('rag_operation_duration_seconds_count')).join('\n'));
for (const span of spans) {
  const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
  const parentName = spans.find((s) => s.spanContext().spanId === parent)?.name ?? '-';
  console.log(`span ${span.name} parent ${parentName}`);
}
await monitor.printReport();
await monitor.shutdown();
await sdk.shutdown();
