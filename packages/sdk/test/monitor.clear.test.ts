import { type Histogram as OtelHistogram } from '@opentelemetry/sdk-metrics';
import { METRIC_OPERATION_DURATION } from '../src/instruments.js';
import { OperationType } from '../src/operation-type.js';
import { CollectingReader, pointsOf, tick, useMonitors, useWarningSpy } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();
useWarningSpy();

const RETRIEVAL = OperationType.DOCUMENT_RETRIEVAL;
function recordN(monitor: ReturnType<typeof newMonitor>, n: number, type: string = RETRIEVAL): void {
  for (let i = 0; i < n; i++) monitor.recordOperation({ type, durationSeconds: 0.01 });
}

describe('clearMetrics()', () => {
  it('forgets collected records', async () => {
    const monitor = newMonitor();
    recordN(monitor, 5);
    expect(await monitor.getOperationCount()).toBe(5);
    monitor.clearMetrics();
    expect(await monitor.getOperationCount()).toBe(0);
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.operations).toEqual({});
  });

  it('forgets records not yet collected, and counts those made synchronously right after it', async () => {
    const monitor = newMonitor();
    recordN(monitor, 5);
    monitor.track(RETRIEVAL, () => undefined);
    monitor.clearMetrics();
    recordN(monitor, 3);
    monitor.track(RETRIEVAL, () => undefined);
    monitor.trackOperation(OperationType.RERANKING).end();
    expect(await monitor.getOperationCount(RETRIEVAL)).toBe(4);
    expect(await monitor.getOperationCount(OperationType.RERANKING)).toBe(1);
    expect(await monitor.getOperationCount()).toBe(5);
  });

  it('two clears in a row: only what follows the second one counts', async () => {
    const monitor = newMonitor();
    recordN(monitor, 4);
    monitor.clearMetrics();
    recordN(monitor, 2);
    monitor.clearMetrics();
    recordN(monitor, 3);
    expect(await monitor.getOperationCount()).toBe(3);
    recordN(monitor, 1);
    expect(await monitor.getOperationCount()).toBe(4);
  });

  it('a report requested just before the clear does not bring the old records back', async () => {
    const monitor = newMonitor();
    recordN(monitor, 5);
    const pending = monitor.getOperationCount();
    monitor.clearMetrics();
    recordN(monitor, 3);
    await pending;
    expect(await monitor.getOperationCount()).toBe(3);
  });

  it('an operation that started before the clear and ends after it is counted', async () => {
    const monitor = newMonitor();
    const running = monitor.track(OperationType.LLM_INFERENCE, async (op) => {
      await tick(1);
      op.tokens = 9;
    });
    const handle = monitor.trackOperation(OperationType.RERANKING);
    monitor.clearMetrics();
    handle.end();
    await running;
    const llm = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect([llm.totalOperations, llm.totalTokens]).toEqual([1, 9]);
    expect(await monitor.getOperationCount(OperationType.RERANKING)).toBe(1);
  });

  it('resets the dropped counts and health', async () => {
    const monitor = newMonitor({ tracing: false });
    monitor.recordOperation({ type: 'Bad', durationSeconds: 1 });
    for (let i = 0; i < 10; i++) monitor.recordOperation({ type: RETRIEVAL, durationSeconds: 1, success: false });
    const before = await monitor.generateReport();
    expect(before.dropped.total).toBe(1);
    expect(before.health.status).toBe('warning');
    monitor.clearMetrics();
    const after = await monitor.generateReport();
    expectValidReport(after);
    expect(after.dropped).toEqual({ total: 0, by_reason: {} });
    expect(after.health).toMatchObject({ status: 'healthy', total_operations: 0, issues: [] });
  });

  it('never resets the exported (cumulative) series', async () => {
    const exporterView = new CollectingReader();
    const monitor = newMonitor({ tracing: false, metricReaders: [exporterView] });
    recordN(monitor, 5);
    monitor.clearMetrics();
    recordN(monitor, 2);
    expect(await monitor.getOperationCount()).toBe(2);
    const points = pointsOf(await exporterView.metrics(), METRIC_OPERATION_DURATION);
    expect(points).toHaveLength(1);
    expect((points[0]!.value as OtelHistogram).count).toBe(7);
  });

  it('many clears interleaved with records from async tasks: exact counts after the last one', async () => {
    const monitor = newMonitor({ tracing: false });
    const tasks = Array.from({ length: 20 }, async (_, i) => {
      await tick(i % 3);
      recordN(monitor, 1);
    });
    await Promise.all(tasks);
    for (let round = 0; round < 5; round++) {
      recordN(monitor, 10);
      monitor.clearMetrics();
    }
    recordN(monitor, 7);
    await tick(1);
    recordN(monitor, 2);
    expect(await monitor.getOperationCount()).toBe(9);
  });

  it('shutdown right after a clear still settles (nothing left pending)', async () => {
    const monitor = newMonitor();
    recordN(monitor, 2);
    monitor.clearMetrics();
    recordN(monitor, 1);
    await expect(monitor.shutdown()).resolves.toBeUndefined();
  });
});
