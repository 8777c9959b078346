import { METRIC_HEALTH_STATUS } from '../src/instruments.js';
import { OperationType } from '../src/operation-type.js';
import { CollectingReader, pointsOf, useMonitors } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();

function record(monitor: ReturnType<typeof newMonitor>, type: string, ok: number, failed: number, durationSeconds = 0.1): void {
  for (let i = 0; i < ok; i++) monitor.recordOperation({ type, durationSeconds });
  for (let i = 0; i < failed; i++) monitor.recordOperation({ type, durationSeconds, success: false });
}

describe('getHealthStatus()', () => {
  it('is healthy with no operations', async () => {
    const monitor = newMonitor();
    const h = await monitor.getHealthStatus();
    expect(h.status).toBe('healthy');
    expect(h.issues).toEqual([]);
    expect(h.total_operations).toBe(0);
    expect(h.memory_mb).toBeGreaterThan(0);
  });

  it('warns when RSS is over maxRssMb', async () => {
    const low = newMonitor({ health: { maxRssMb: 1 } });
    const h = await low.getHealthStatus();
    expect(h.status).toBe('warning');
    expect(h.issues).toHaveLength(1);
    expect(h.issues[0]).toMatch(/^High memory: RSS \d+\.\d MB > 1 MB$/);
    const high = newMonitor({ health: { maxRssMb: 1e9 } });
    expect((await high.getHealthStatus()).status).toBe('healthy');
  });

  it('judges the error rate per type, once a type has minOperationsForErrorRate operations', async () => {
    const monitor = newMonitor({ tracing: false });
    record(monitor, OperationType.LLM_INFERENCE, 0, 9); // 100 % failed, but only 9 operations
    record(monitor, OperationType.DOCUMENT_RETRIEVAL, 100, 0);
    expect((await monitor.getHealthStatus()).status).toBe('healthy');

    record(monitor, OperationType.LLM_INFERENCE, 0, 1);
    const h = await monitor.getHealthStatus();
    expect(h.status).toBe('warning');
    expect(h.total_operations).toBe(110);
    expect(h.issues).toEqual(['High error rate for llm_inference: 100.0% (10/10) > 10.0%']);
  });

  it('uses the error-rate threshold and per-type overrides it is given', async () => {
    const monitor = newMonitor({
      tracing: false,
      health: { maxErrorRate: 0.2, maxErrorRateByType: { reranking: 0.5 }, minOperationsForErrorRate: 5 },
    });
    record(monitor, OperationType.RERANKING, 6, 4); // 40 %: under its own 50 %
    record(monitor, OperationType.EMBEDDING_GENERATION, 7, 3); // 30 %: over the global 20 %
    record(monitor, OperationType.DOCUMENT_RETRIEVAL, 8, 2); // 20 %: not over
    const h = await monitor.getHealthStatus();
    expect(h.issues).toEqual(['High error rate for embedding_generation: 30.0% (3/10) > 20.0%']);
  });

  it('checks p95 latency objectives per type', async () => {
    const monitor = newMonitor({ tracing: false, health: { p95ObjectiveSeconds: { llm_inference: 2, reranking: 0.5 } } });
    for (let i = 1; i <= 100; i++) monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: i / 40 }); // p95 = 2.375 s
    for (let i = 1; i <= 100; i++) monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: i / 1000 }); // p95 = 0.095 s
    const h = await monitor.getHealthStatus();
    expect(h.status).toBe('warning');
    expect(h.issues).toHaveLength(1);
    expect(h.issues[0]).toMatch(/^Slow llm_inference: p95 2\.3\d\d s > objective 2 s$/);
  });

  it('the report embeds the same health', async () => {
    const monitor = newMonitor({ tracing: false });
    record(monitor, OperationType.LLM_INFERENCE, 5, 5);
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.health.status).toBe('warning');
    expect(report.health.issues).toEqual((await monitor.getHealthStatus()).issues);
    expect(report.health.total_operations).toBe(10);
  });

  it('publishes health on the rag.health.status gauge: 1 healthy, 0 warning', async () => {
    const exporterView = new CollectingReader();
    const monitor = newMonitor({ tracing: false, metricReaders: [exporterView] });
    const gauge = async (): Promise<unknown[]> =>
      pointsOf(await exporterView.metrics(), METRIC_HEALTH_STATUS).map((p) => p.value);
    await monitor.getHealthStatus();
    expect(await gauge()).toEqual([1]);
    record(monitor, OperationType.LLM_INFERENCE, 0, 10);
    await monitor.getHealthStatus();
    expect(await gauge()).toEqual([0]);
    monitor.clearMetrics();
    expect(await gauge()).toEqual([1]);
  });
});
