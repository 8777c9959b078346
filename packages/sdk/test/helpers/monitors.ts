import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { RagMeterOptions } from '../../src/config/types.js';
import { PerformanceMonitor } from '../../src/monitor.js';
import { expectValidReport } from './report-schema.js';

/**
 * Monitors made through `monitors()` are shut down after each test, so that no timer or
 * provider outlives its test and jest exits cleanly. Every report they produce (directly, or
 * through printReport / exportMetricsJson) is checked against the shipped JSON Schema.
 */
export function useMonitors(): (options?: RagMeterOptions) => PerformanceMonitor {
  const made: PerformanceMonitor[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((m) => m.shutdown()));
  });
  return (options = {}) => {
    // The jest worker's own RSS is not under test: a busy worker can pass the default 1000 MB.
    const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, ...options, health: { maxRssMb: 1e6, ...options.health } });
    const generateReport = monitor.generateReport.bind(monitor);
    monitor.generateReport = async (reportOptions) => {
      const report = await generateReport(reportOptions);
      expectValidReport(report);
      return report;
    };
    made.push(monitor);
    return monitor;
  };
}

/** A monitor whose finished spans land in an in-memory exporter. */
export function useSpanMonitors(): (options?: RagMeterOptions) => {
  monitor: PerformanceMonitor;
  exporter: InMemorySpanExporter;
  spans: () => ReadableSpan[];
} {
  const create = useMonitors();
  return (options = {}) => {
    const exporter = new InMemorySpanExporter();
    const monitor = create({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...options });
    return { monitor, exporter, spans: () => exporter.getFinishedSpans() };
  };
}

/**
 * Replaces process.emitWarning for each test (drops warn once per kind; the output would only
 * be noise here) and returns the spy, so tests can count the warnings.
 */
export function useWarningSpy(): () => jest.SpyInstance {
  let spy: jest.SpyInstance | undefined;
  beforeEach(() => {
    spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => {
    spy?.mockRestore();
    spy = undefined;
  });
  return () => spy!;
}

/** A pull reader with the SDK's default (cumulative, explicit-bucket) behaviour, as an exporter sees the series. */
export class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async metrics(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw errors[0];
    return resourceMetrics;
  }
}

export interface CollectedPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

/** Data points of one instrument, by name, across all scopes. */
export function pointsOf(metrics: ResourceMetrics, name: string): CollectedPoint[] {
  const out: CollectedPoint[] = [];
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const p of metric.dataPoints) out.push({ attributes: { ...p.attributes }, value: p.value });
    }
  }
  return out;
}

/** Lets pending timers-free async work (promise chains) settle. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A real, short pause that crosses the event loop (for async tasks to interleave). */
export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
