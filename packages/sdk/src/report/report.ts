import type {
  BreakdownReport,
  DroppedReport,
  HealthStatus,
  MemoryStats,
  OperationReport,
  PerformanceStats,
  Report,
} from './types.js';
import { REPORT_SCHEMA_VERSION } from './types.js';

/** One operation type's stats in the report's snake_case layout. */
export function toOperationReport(s: PerformanceStats): OperationReport {
  const report: OperationReport = {
    total: s.totalOperations,
    successful: s.successfulOperations,
    failed: s.failedOperations,
    error_rate: s.totalOperations > 0 ? s.failedOperations / s.totalOperations : 0,
    duration: {
      min: s.minDurationSeconds,
      max: s.maxDurationSeconds,
      avg: s.avgDurationSeconds,
      p50: s.p50DurationSeconds,
      p95: s.p95DurationSeconds,
      p99: s.p99DurationSeconds,
    },
    tokens: {
      total: s.totalTokens,
      avg: s.avgTokens,
      input: s.inputTokens,
      output: s.outputTokens,
    },
    memory_delta_mb: { total: s.totalMemoryDeltaMb, avg: s.avgMemoryDeltaMb },
  };
  if (s.timeToFirstTokenCount > 0) {
    report.time_to_first_token = {
      count: s.timeToFirstTokenCount,
      p50: s.p50TimeToFirstTokenSeconds,
      p95: s.p95TimeToFirstTokenSeconds,
      p99: s.p99TimeToFirstTokenSeconds,
    };
  }
  if (s.pricedOperations > 0 || s.unpricedOperations > 0) {
    report.cost = { total_usd: s.totalCostUsd, avg_usd: s.avgCostUsd, unpriced_operations: s.unpricedOperations };
  }
  return report;
}

export interface ReportParts {
  timestamp: Date;
  windowSeconds: number | null;
  /** With a window: the seconds its slots cover. */
  coveredSeconds?: number;
  stats: Record<string, PerformanceStats>;
  memory: MemoryStats;
  health: HealthStatus;
  dropped: DroppedReport;
  /** The stage breakdown; undefined when no operation had children. */
  breakdown?: BreakdownReport;
}

/** Assembles a {@link Report}; operation types are listed in name order. */
export function buildReport(parts: ReportParts): Report {
  const operations: Record<string, OperationReport> = {};
  let total = 0;
  const cost = { total_usd: 0, unpriced_operations: 0 };
  for (const type of Object.keys(parts.stats).sort()) {
    const s = parts.stats[type]!;
    total += s.totalOperations;
    cost.total_usd += s.totalCostUsd;
    cost.unpriced_operations += s.unpricedOperations;
    operations[type] = toOperationReport(s);
  }
  const report: Report = {
    schema_version: REPORT_SCHEMA_VERSION,
    timestamp: parts.timestamp.toISOString(),
    window_seconds: parts.windowSeconds,
    total_operations: total,
    memory: parts.memory,
    operations,
    health: parts.health,
    dropped: parts.dropped,
    cost,
  };
  if (parts.windowSeconds !== null && parts.coveredSeconds !== undefined) {
    report.window_covered_seconds = Math.round(parts.coveredSeconds * 1000) / 1000;
  }
  if (parts.breakdown !== undefined) report.breakdown = parts.breakdown;
  return report;
}
