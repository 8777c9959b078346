import { buildReport, toOperationReport } from '../../src/report/report.js';
import { REPORT_SCHEMA_VERSION, type PerformanceStats } from '../../src/report/types.js';
import { expectValidReport } from '../helpers/report-schema.js';

function stats(type: string, total: number, failed: number): PerformanceStats {
  return {
    operationType: type,
    totalOperations: total,
    successfulOperations: total - failed,
    failedOperations: failed,
    minDurationSeconds: 0.1,
    maxDurationSeconds: 0.9,
    avgDurationSeconds: 0.4,
    p50DurationSeconds: 0.35,
    p95DurationSeconds: 0.8,
    p99DurationSeconds: 0.88,
    totalTokens: 40,
    avgTokens: total === 0 ? 0 : 40 / total,
    inputTokens: 30,
    outputTokens: 10,
    totalMemoryDeltaMb: -3,
    avgMemoryDeltaMb: total === 0 ? 0 : -3 / total,
    timeToFirstTokenCount: 0,
    p50TimeToFirstTokenSeconds: 0,
    p95TimeToFirstTokenSeconds: 0,
    p99TimeToFirstTokenSeconds: 0,
    totalCostUsd: 0,
    avgCostUsd: 0,
    pricedOperations: 0,
    unpricedOperations: 0,
  };
}

const memory = { current_rss_mb: 80, min_rss_mb: 70, max_rss_mb: 90, avg_rss_mb: 81, heap_used_mb: 20, samples: 4 };
const health = { status: 'healthy' as const, memory_mb: 80, total_operations: 12, issues: [] };

describe('toOperationReport', () => {
  it('maps camelCase stats to the snake_case layout, with the error rate', () => {
    expect(toOperationReport(stats('llm_inference', 8, 2))).toEqual({
      total: 8,
      successful: 6,
      failed: 2,
      error_rate: 0.25,
      duration: { min: 0.1, max: 0.9, avg: 0.4, p50: 0.35, p95: 0.8, p99: 0.88 },
      tokens: { total: 40, avg: 5, input: 30, output: 10 },
      memory_delta_mb: { total: -3, avg: -0.375 },
    });
  });

  it('error rate 0 when there are no operations', () => {
    expect(toOperationReport(stats('x', 0, 0)).error_rate).toBe(0);
  });
});

describe('buildReport', () => {
  it('sums operations, lists types in name order and stamps the schema version', () => {
    const report = buildReport({
      timestamp: new Date(Date.UTC(2026, 0, 21, 12, 22, 30)),
      windowSeconds: null,
      stats: { reranking: stats('reranking', 4, 0), document_retrieval: stats('document_retrieval', 8, 1) },
      memory,
      health,
      dropped: { total: 0, by_reason: {} },
    });
    expectValidReport(report);
    expect(report.schema_version).toBe(REPORT_SCHEMA_VERSION);
    expect(report.timestamp).toBe('2026-01-21T12:22:30.000Z');
    expect(report.total_operations).toBe(12);
    expect(Object.keys(report.operations)).toEqual(['document_retrieval', 'reranking']);
    expect(report.memory).toBe(memory);
    expect(report.window_seconds).toBeNull();
  });

  it('carries the window length', () => {
    const report = buildReport({ timestamp: new Date(), windowSeconds: 60, stats: {}, memory, health, dropped: { total: 0, by_reason: {} } });
    expectValidReport(report);
    expect(report.window_seconds).toBe(60);
    expect(report.total_operations).toBe(0);
    expect(report.operations).toEqual({});
  });
});
