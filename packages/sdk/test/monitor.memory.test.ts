import { getHeapStatistics } from 'node:v8';
import * as memoryProbe from '../src/probes/memory.js';
import { OperationType } from '../src/operation-type.js';
import { useMonitors, useSpanMonitors } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();
const newSpanMonitor = useSpanMonitors();
const MB = 1024 * 1024;

afterEach(() => jest.restoreAllMocks());

describe('getMemoryStats()', () => {
  it('current/min/max/avg RSS in MB, consistent with each other and with the process', () => {
    const monitor = newMonitor();
    const before = process.memoryUsage.rss() / MB;
    const m = monitor.getMemoryStats();
    const after = process.memoryUsage.rss() / MB;
    expect(m.min_rss_mb).toBeLessThanOrEqual(m.avg_rss_mb);
    expect(m.avg_rss_mb).toBeLessThanOrEqual(m.max_rss_mb);
    expect(m.current_rss_mb).toBeGreaterThanOrEqual(m.min_rss_mb);
    expect(m.current_rss_mb).toBeLessThanOrEqual(m.max_rss_mb);
    expect(m.current_rss_mb).toBeGreaterThanOrEqual(Math.min(before, after) - 16);
    expect(m.current_rss_mb).toBeLessThanOrEqual(Math.max(before, after) + 16);
    expect(m.heap_used_mb).toBeGreaterThan(0);
    expect(m.heap_used_mb).toBeLessThan(m.current_rss_mb);
  });

  it('counts samples: one at start and one per read (sampling timer off)', () => {
    const monitor = newMonitor({ memorySampleIntervalMs: 0 });
    expect(monitor.getMemoryStats().samples).toBe(2);
    monitor.getMemoryStats();
    expect(monitor.getMemoryStats().samples).toBe(4);
  });

  it('tracks the extremes of the RSS samples it took', () => {
    const rss = jest.spyOn(process.memoryUsage, 'rss');
    for (const mb of [200, 800, 400]) rss.mockReturnValueOnce(mb * MB);
    const monitor = newMonitor({ memorySampleIntervalMs: 0 }); // 200
    monitor.getMemoryStats(); // 800
    expect(monitor.getMemoryStats()).toMatchObject({ current_rss_mb: 400, min_rss_mb: 200, max_rss_mb: 800, avg_rss_mb: 1400 / 3, samples: 3 });
  });

  it('clearMetrics() clears the memory samples', () => {
    const monitor = newMonitor({ memorySampleIntervalMs: 0 });
    for (let i = 0; i < 5; i++) monitor.getMemoryStats();
    expect(monitor.getMemoryStats().samples).toBe(7);
    const rss = jest.spyOn(process.memoryUsage, 'rss');
    rss.mockReturnValueOnce(123 * MB).mockReturnValueOnce(123 * MB);
    monitor.clearMetrics();
    expect(monitor.getMemoryStats()).toMatchObject({ samples: 2, min_rss_mb: 123, max_rss_mb: 123, avg_rss_mb: 123 });
  });

  it('the report carries the same memory section', async () => {
    const monitor = newMonitor();
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.memory.samples).toBeGreaterThanOrEqual(2);
    expect(report.memory.min_rss_mb).toBeLessThanOrEqual(report.memory.max_rss_mb);
    expect(report.health.memory_mb).toBe(report.memory.current_rss_mb);
  });
});

describe('memory deltas', () => {
  it('the heap-used change across a tracked operation, from the heap probe', async () => {
    const heap = jest.spyOn(memoryProbe, 'heapUsedBytes');
    heap.mockReturnValueOnce(100 * MB).mockReturnValueOnce(103 * MB); // start, end
    const { monitor, spans } = newSpanMonitor();
    monitor.track(OperationType.PDF_LOADING, () => undefined);
    const s = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect(s.totalMemoryDeltaMb).toBe(3);
    expect(spans()[0]!.attributes['rag.operation.memory_delta_bytes']).toBe(3 * MB);
  });

  it('negative deltas survive, from track() and from recordOperation()', async () => {
    const heap = jest.spyOn(memoryProbe, 'heapUsedBytes');
    heap.mockReturnValueOnce(100 * MB).mockReturnValueOnce(96 * MB);
    const monitor = newMonitor();
    monitor.track(OperationType.SEMANTIC_CHUNKING, () => undefined); // -4 MB (a GC ran)
    monitor.recordOperation({ type: OperationType.SEMANTIC_CHUNKING, durationSeconds: 0.1, memoryDeltaMb: -2 });
    monitor.recordOperation({ type: OperationType.SEMANTIC_CHUNKING, durationSeconds: 0.1, memoryDeltaMb: 0.5 });
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.operations.semantic_chunking!.memory_delta_mb.total).toBeCloseTo(-5.5, 9);
    expect(report.operations.semantic_chunking!.memory_delta_mb.avg).toBeCloseTo(-5.5 / 3, 9);
  });

  it('a real allocation kept alive shows up as a positive delta', async () => {
    const { monitor, spans } = newSpanMonitor();
    let kept: number[] = [];
    monitor.track(OperationType.PDF_LOADING, () => {
      kept = new Array<number>(8_000_000).fill(1.5); // 64 MB of doubles on the V8 heap
    });
    expect(kept.length).toBe(8_000_000);
    const s = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect(s.totalMemoryDeltaMb).toBeGreaterThan(32);
    expect(spans()[0]!.attributes['rag.operation.memory_delta_bytes']).toBe(s.totalMemoryDeltaMb * MB);
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(64 * MB);
  });

  it('memoryTracking: false records no memory values and never probes the heap', async () => {
    const heap = jest.spyOn(memoryProbe, 'heapUsedBytes');
    const { monitor, spans } = newSpanMonitor({ memoryTracking: false });
    monitor.track(OperationType.PDF_LOADING, () => new Array<number>(1_000_000).fill(1));
    monitor.trackOperation(OperationType.PDF_LOADING).end();
    const callsDuringOperations = heap.mock.calls.length;
    const report = await monitor.generateReport();
    expect(callsDuringOperations).toBe(0);
    expect(report.operations.pdf_loading!.memory_delta_mb).toEqual({ total: 0, avg: 0 });
    for (const span of spans()) expect(span.attributes['rag.operation.memory_delta_bytes']).toBeUndefined();
  });
});
