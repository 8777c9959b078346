import { MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { PerformanceMonitor } from '../src/monitor.js';
import { METRIC_OPERATION_MEMORY_DELTA } from '../src/instruments.js';

// rag.operation.memory.delta is summed in the monitor and observed at collection time; exporters
// must see the same series and running sums a synchronous up-down counter would give them.

class CumulativeReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const MB = 1024 * 1024;
const monitors: PerformanceMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
});

function setup(options: { cardinalityLimit?: number; metricAttributes?: string[] } = {}) {
  const reader = new CumulativeReader();
  const monitor = new PerformanceMonitor({ tracing: false, memorySampleIntervalMs: 0, metricReaders: [reader], ...options });
  monitors.push(monitor);
  /** Memory-delta series by their attributes (JSON), bytes. */
  const series = async (): Promise<Record<string, number>> => {
    const { resourceMetrics } = await reader.collect();
    const out: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== METRIC_OPERATION_MEMORY_DELTA) continue;
        for (const point of metric.dataPoints as DataPoint<number>[]) out[JSON.stringify(point.attributes)] = point.value;
      }
    }
    return out;
  };
  return { monitor, series };
}

describe('rag.operation.memory.delta series', () => {
  it('one running sum per operation type, error type and metric label; negative deltas kept', async () => {
    const { monitor, series } = setup();
    const model = (m: string) => ({ 'gen_ai.request.model': m });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1, memoryDeltaMb: 2, attributes: model('a') });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1, memoryDeltaMb: -0.5, attributes: model('a') });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1, memoryDeltaMb: 1, attributes: model('b') });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1, memoryDeltaMb: 3, success: false, errorType: 'TimeoutError' });
    monitor.recordOperation({ type: 'reranking', durationSeconds: 1, memoryDeltaMb: -4 });
    expect(await series()).toEqual({
      '{"rag.operation.type":"llm_inference","gen_ai.request.model":"a"}': 1.5 * MB,
      '{"rag.operation.type":"llm_inference","gen_ai.request.model":"b"}': 1 * MB,
      '{"rag.operation.type":"llm_inference","error.type":"TimeoutError"}': 3 * MB,
      '{"rag.operation.type":"reranking"}': -4 * MB,
    });
    monitor.recordOperation({ type: 'reranking', durationSeconds: 1, memoryDeltaMb: 1 });
    expect((await series())['{"rag.operation.type":"reranking"}']).toBe(-3 * MB);
  });

  it('tracked operations add their heap delta to the same series', async () => {
    const { monitor, series } = setup();
    for (let i = 0; i < 3; i++) monitor.track('embedding_generation', () => new Array(1000).fill(i));
    const report = await monitor.generateReport();
    const exported = (await series())['{"rag.operation.type":"embedding_generation"}'];
    expect(typeof exported).toBe('number');
    expect(exported! / MB).toBeCloseTo(report.operations.embedding_generation!.memory_delta_mb.total, 6);
  });

  it('past the cardinality limit, new label sets add to their type\'s series: bounded, nothing lost', async () => {
    const limit = 8;
    const { monitor, series } = setup({ cardinalityLimit: limit, metricAttributes: ['tenant'] });
    for (let i = 0; i < 10; i++) {
      monitor.recordOperation({ type: 'reranking', durationSeconds: 0.1, memoryDeltaMb: 1, attributes: { tenant: `t${i}` } });
    }
    const got = await series();
    const keys = Object.keys(got);
    expect(keys.length).toBeLessThan(limit); // OTel keeps the last slot for its own overflow series
    expect(keys.every((k) => (JSON.parse(k) as Record<string, unknown>)['rag.operation.type'] === 'reranking')).toBe(true);
    expect(Object.values(got).reduce((a, b) => a + b, 0)).toBe(10 * MB);
    const labelled = keys.filter((k) => k.includes('tenant')).length;
    expect(labelled).toBeGreaterThan(0);
    expect(got['{"rag.operation.type":"reranking"}']).toBe((10 - labelled) * MB);
    expect((await monitor.generateReport()).dropped.by_reason.cardinality_limit).toBe(10 - labelled);
  });
});
