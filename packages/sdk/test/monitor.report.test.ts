import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { OperationType } from '../src/operation-type.js';
import { formatReport } from '../src/report/format.js';
import { useMonitors } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ragmeter-report-'));
});
afterEach(() => {
  jest.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function populate(monitor: ReturnType<typeof newMonitor>): void {
  for (let i = 1; i <= 24; i++) {
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 0.5 + i / 10, inputTokens: 100, outputTokens: 50 });
  }
  monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 3, success: false, inputTokens: 100 });
  for (let i = 0; i < 10; i++) monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 0.02, memoryDeltaMb: 0.1 });
}

async function capture(write: (stream: NodeJS.WritableStream) => Promise<void>): Promise<string> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await write(stream);
  stream.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe('generateReport()', () => {
  it('an empty report: no operations, healthy, nothing dropped', async () => {
    const monitor = newMonitor();
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.schema_version).toBe(2);
    expect(report.cost).toEqual({ total_usd: 0, unpriced_operations: 0 });
    expect(report.total_operations).toBe(0);
    expect(report.operations).toEqual({});
    expect(report.window_seconds).toBeNull();
    expect(report.health).toMatchObject({ status: 'healthy', total_operations: 0, issues: [] });
    expect(report.dropped).toEqual({ total: 0, by_reason: {} });
  });

  it('with operations: counts, error rate, durations, tokens, memory per type', async () => {
    const monitor = newMonitor({ tracing: false });
    populate(monitor);
    const before = Date.now();
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(Date.parse(report.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(report.total_operations).toBe(35);
    expect(Object.keys(report.operations)).toEqual(['document_retrieval', 'llm_inference']);
    const llm = report.operations.llm_inference!;
    expect([llm.total, llm.successful, llm.failed]).toEqual([25, 24, 1]);
    expect(llm.error_rate).toBeCloseTo(1 / 25, 12);
    expect(llm.duration.min).toBeCloseTo(0.6, 12);
    expect(llm.duration.max).toBe(3);
    expect(llm.tokens).toEqual({ total: 25 * 100 + 24 * 50, avg: (25 * 100 + 24 * 50) / 25, input: 2500, output: 1200 });
    const retrieval = report.operations.document_retrieval!;
    expect(retrieval.memory_delta_mb.total).toBeCloseTo(1, 9);
    expect(retrieval.memory_delta_mb.avg).toBeCloseTo(0.1, 9);
    expect(retrieval.duration.p50).toBe(0.02); // one distinct value: exact after clamping to min/max
  });

  it('has exactly the documented structure', async () => {
    const monitor = newMonitor();
    populate(monitor);
    const report = await monitor.generateReport();
    expect(Object.keys(report).sort()).toEqual(
      ['cost', 'dropped', 'health', 'memory', 'operations', 'schema_version', 'timestamp', 'total_operations', 'window_seconds'].sort(),
    );
    expect(Object.keys(report.memory).sort()).toEqual(['avg_rss_mb', 'current_rss_mb', 'heap_used_mb', 'max_rss_mb', 'min_rss_mb', 'samples']);
    expect(Object.keys(report.operations.llm_inference!).sort()).toEqual(
      ['duration', 'error_rate', 'failed', 'memory_delta_mb', 'successful', 'tokens', 'total'],
    );
    expect(Object.keys(report.operations.llm_inference!.duration).sort()).toEqual(['avg', 'max', 'min', 'p50', 'p95', 'p99']);
    expect(Object.keys(report.health).sort()).toEqual(['issues', 'memory_mb', 'status', 'total_operations']);
    // JSON round trip loses nothing (no undefined, NaN or Infinity anywhere)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('agrees with getAllStats()', async () => {
    const monitor = newMonitor();
    populate(monitor);
    const [report, all] = [await monitor.generateReport(), await monitor.getAllStats()];
    for (const [type, s] of Object.entries(all)) {
      const op = report.operations[type]!;
      expect([op.total, op.failed, op.duration.p95, op.tokens.total]).toEqual([s.totalOperations, s.failedOperations, s.p95DurationSeconds, s.totalTokens]);
    }
  });

  it('rejects a window that is not a positive number', async () => {
    const monitor = newMonitor();
    for (const windowSeconds of [0, -1, NaN, Infinity]) {
      await expect(monitor.generateReport({ windowSeconds })).rejects.toThrow(RangeError);
    }
  });
});

describe('generateReport({ windowSeconds })', () => {
  const T0 = 1_700_000_000_000;

  it('covers only the recent slots; the full report covers everything', async () => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const monitor = newMonitor({ tracing: false, windowSeconds: 2 });
    expect(monitor.percentileReader.slotSeconds).toBe(1);
    for (let i = 0; i < 5; i++) monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 1 });
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.2, success: false });
    await monitor.getOperationCount(); // collected into the slot of T0

    jest.setSystemTime(T0 + 1000);
    monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 4 });
    const both = await monitor.generateReport({ windowSeconds: 2 });
    expectValidReport(both);
    expect(both.operations.document_retrieval!.total).toBe(6);

    jest.setSystemTime(T0 + 3000);
    for (let i = 0; i < 3; i++) monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 2 });
    monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: 8 });
    const recent = await monitor.generateReport({ windowSeconds: 2 });
    expectValidReport(recent);
    expect(recent.window_seconds).toBe(2);
    expect(Object.keys(recent.operations)).toEqual(['document_retrieval', 'llm_inference']);
    expect(recent.operations.document_retrieval).toMatchObject({ total: 2 });
    expect(recent.operations.document_retrieval!.duration.min).toBe(4);
    expect(recent.operations.llm_inference!.total).toBe(3);
    expect(recent.total_operations).toBe(5);

    const all = await monitor.generateReport();
    expectValidReport(all);
    expect(all.window_seconds).toBeNull();
    expect(all.operations.document_retrieval!.total).toBe(7);
    expect(all.operations.reranking!.failed).toBe(1);
    expect(all.total_operations).toBe(11);
    jest.useRealTimers();
  });

  it('says what a window really covers: whole slots, from the one the window begins in', async () => {
    const slotStart = 1_700_000_010_000; // a multiple of the 10 s slot
    jest.useFakeTimers({ now: slotStart + 2000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const monitor = newMonitor({ tracing: false, windowSeconds: 100 });
    expect(monitor.percentileReader.slotSeconds).toBe(10);
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.1 });
    await monitor.getOperationCount();
    jest.setSystemTime(slotStart + 14_000);
    const report = await monitor.generateReport({ windowSeconds: 5 });
    expectValidReport(report);
    expect(report.window_seconds).toBe(5);
    expect(report.window_covered_seconds).toBe(14); // the op ended 12 s ago and is in it: the report says so
    expect(report.operations.reranking!.total).toBe(1);
    expect(formatReport(report)).toContain('last 5s, figures cover 14.00s');
    jest.useRealTimers();
  });

  it('operations collected at a slot boundary belong to the slot that just ended', async () => {
    const slotStart = 1_700_000_010_000;
    jest.useFakeTimers({ now: slotStart + 500, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const monitor = newMonitor({ tracing: false, windowSeconds: 100 });
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.1 }); // not collected yet
    await jest.advanceTimersByTimeAsync(10_000); // the boundary collection at slotStart + 10 s
    jest.setSystemTime(slotStart + 16_000);
    const report = await monitor.generateReport({ windowSeconds: 5 });
    expect(report.window_covered_seconds).toBe(6);
    expect(report.operations.reranking).toBeUndefined(); // it ended 15.5 s ago, before the covered slot
    expect((await monitor.generateReport()).operations.reranking!.total).toBe(1);
    jest.useRealTimers();
  });

  it('a window longer than the monitor keeps is cut to it', async () => {
    const monitor = newMonitor({ windowSeconds: 30 });
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 1 });
    const report = await monitor.generateReport({ windowSeconds: 3600 });
    expectValidReport(report);
    expect(report.window_seconds).toBe(30);
    expect(report.total_operations).toBe(1);
  });
});

describe('printReport()', () => {
  it('prints the report as a table, one row per operation type, to the given stream', async () => {
    const monitor = newMonitor();
    populate(monitor);
    const text = await capture((s) => monitor.printReport(s));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ragmeter report {2}\d{4}-\d\d-\d\dT.*Z {2}\(since start\)$/);
    expect(lines[1]).toMatch(/^operations: 35 {3}RSS MB: current /);
    expect(lines.filter((l) => /^(llm_inference|document_retrieval)\s/.test(l))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith('llm_inference'))).toMatch(/^llm_inference\s+25\s+1\s+4\.0\s/);
    expect(lines.find((l) => l.startsWith('document_retrieval'))).toMatch(/^document_retrieval\s+10\s+0\s+0\.0\s+20\.0ms\s/);
    expect(text).toContain('\nhealth: healthy\n');
  });

  it('prints an empty report', async () => {
    const monitor = newMonitor();
    const text = await capture((s) => monitor.printReport(s));
    expect(text).toContain('operations: 0 ');
    expect(text).toContain('(no operations recorded)');
  });

  it('writes to stdout by default', async () => {
    const monitor = newMonitor();
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await monitor.printReport();
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0]![0])).toContain('ragmeter report');
    } finally {
      write.mockRestore();
    }
  });
});

describe('exportMetricsJson()', () => {
  it('writes the report as JSON and returns it; no temporary file is left', async () => {
    const monitor = newMonitor();
    populate(monitor);
    const path = join(dir, 'metrics.json');
    const returned = await monitor.exportMetricsJson(path);
    const written = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    expect(written).toEqual(returned);
    expectValidReport(written);
    expect((written as { total_operations: number }).total_operations).toBe(35);
    expect(readdirSync(dir)).toEqual(['metrics.json']);
  });

  it('replaces an existing file in one step', async () => {
    const monitor = newMonitor();
    const path = join(dir, 'metrics.json');
    await monitor.exportMetricsJson(path);
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 1 });
    await monitor.exportMetricsJson(path);
    expect((JSON.parse(readFileSync(path, 'utf8')) as { total_operations: number }).total_operations).toBe(1);
    expect(readdirSync(dir)).toEqual(['metrics.json']);
  });

  it('rejects when the directory is missing, and leaves nothing behind', async () => {
    const monitor = newMonitor();
    const path = join(dir, 'missing', 'metrics.json');
    await expect(monitor.exportMetricsJson(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects when the final rename fails, and removes its temporary file', async () => {
    const monitor = newMonitor();
    const path = join(dir, 'metrics.json');
    mkdirSync(path); // a directory where the file should go: the write succeeds, the rename cannot
    mkdirSync(join(path, 'occupied'));
    await expect(monitor.exportMetricsJson(path)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir)).toEqual(['metrics.json']);
    expect(readdirSync(path)).toEqual(['occupied']);
  });
});
