// A standalone monitor whose spans land in memory, for assertions on nesting and attributes.
import { PerformanceMonitor } from '@ragmeter/sdk';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface TestMonitor {
  monitor: PerformanceMonitor;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
}

export function createTestMonitor(): TestMonitor {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ spanProcessors: [new SimpleSpanProcessor(exporter)], memorySampleIntervalMs: 0 });
  return { monitor, exporter, spans: () => exporter.getFinishedSpans() };
}

/** The parent span id of a span (OTel JS 2.x keeps it in parentSpanContext). */
export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
