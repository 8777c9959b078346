import { PerformanceMonitor } from '../src';
import { formatReport } from '../src/report/format';
import { expectValidReport } from './helpers/report-schema';

describe('time to first token', () => {
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0 });
  afterAll(() => monitor.shutdown());

  it('is reported per type with percentiles when op.markFirstToken() is used', async () => {
    const waits = [5, 10, 15, 20, 25];
    for (const ms of waits) {
      await monitor.track('llm_inference', async (op) => {
        await new Promise((r) => setTimeout(r, ms));
        op.markFirstToken();
        op.markFirstToken(); // a second mark is ignored
      });
    }
    monitor.track('document_retrieval', () => undefined);
    const report = await monitor.generateReport();
    expectValidReport(report);
    const ttft = report.operations.llm_inference!.time_to_first_token!;
    expect(ttft.count).toBe(5);
    expect(ttft.p50).toBeGreaterThanOrEqual(0.012); // the 3rd of 5 waits is 15 ms; timers never fire early by more than 1 ms
    expect(ttft.p99).toBeGreaterThanOrEqual(ttft.p50);
    expect(report.operations.document_retrieval!.time_to_first_token).toBeUndefined();
    expect(formatReport(report)).toMatch(/time to first token, llm_inference: p50 \S+ {2}p95/);
  });
});
