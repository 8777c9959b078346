/** Statistics for one operation type (camelCase, units in the names). */
export interface PerformanceStats {
  operationType: string;
  totalOperations: number;
  successfulOperations: number;
  failedOperations: number;
  /** 0 when there were no operations. */
  minDurationSeconds: number;
  maxDurationSeconds: number;
  avgDurationSeconds: number;
  p50DurationSeconds: number;
  p95DurationSeconds: number;
  p99DurationSeconds: number;
  /** Input + output + unsplit tokens. */
  totalTokens: number;
  /** totalTokens / totalOperations. */
  avgTokens: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum of the per-operation V8 heap-used change, MB (2^20 bytes); can be negative. */
  totalMemoryDeltaMb: number;
  avgMemoryDeltaMb: number;
  /** Streaming LLM operations that called op.markFirstToken(); 0 when none did. */
  timeToFirstTokenCount: number;
  /** Time to first token percentiles, seconds (0 when none). */
  p50TimeToFirstTokenSeconds: number;
  p95TimeToFirstTokenSeconds: number;
  p99TimeToFirstTokenSeconds: number;
  /** USD of the operations whose model has a price (0 when none). */
  totalCostUsd: number;
  /** totalCostUsd / pricedOperations (0 when none). */
  avgCostUsd: number;
  /** Operations with a model that has a price. */
  pricedOperations: number;
  /** Operations with a model that has no price: they add nothing to the cost. */
  unpricedOperations: number;
}

/** Process memory from periodic RSS samples, in MB (2^20 bytes). */
export interface MemoryStats {
  current_rss_mb: number;
  min_rss_mb: number;
  max_rss_mb: number;
  avg_rss_mb: number;
  heap_used_mb: number;
  samples: number;
}

export type HealthState = 'healthy' | 'warning';

export interface HealthStatus {
  status: HealthState;
  /** Current RSS, MB. */
  memory_mb: number;
  total_operations: number;
  /** Human-readable reasons for a `warning`; empty when healthy. */
  issues: string[];
}

export interface DurationSummary {
  min: number;
  max: number;
  avg: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface OperationReport {
  total: number;
  successful: number;
  failed: number;
  /** failed / total, 0..1. */
  error_rate: number;
  /** Seconds. */
  duration: DurationSummary;
  tokens: { total: number; avg: number; input: number; output: number };
  memory_delta_mb: { total: number; avg: number };
  /** Seconds from start to the first streamed token; present when op.markFirstToken() was used. */
  time_to_first_token?: { count: number; p50: number; p95: number; p99: number };
  /** Present when at least one operation of the type had a model (gen_ai.response.model or gen_ai.request.model). */
  cost?: OperationCost;
}

/** What the operations of one type cost, from their model's price and their tokens. */
export interface OperationCost {
  /** USD of the priced operations. */
  total_usd: number;
  /** USD per priced operation (total_usd / operations whose model has a price); 0 when none. */
  avg_usd: number;
  /** Operations whose model has no price: they add nothing to total_usd and avg_usd. */
  unpriced_operations: number;
}

/** The cost of every operation type together. */
export interface CostTotal {
  /** USD of every priced operation. */
  total_usd: number;
  /** Operations whose model has no price. */
  unpriced_operations: number;
}

export interface DroppedReport {
  total: number;
  by_reason: Record<string, number>;
}

/** One part of a parent type's time in the stage breakdown. */
export interface BreakdownEntry {
  /** Part of the parent type's summed duration, 0..1 (child shares can add up to more with concurrent children). */
  share: number;
  /** Seconds per parent operation. */
  avg_seconds: number;
}

/**
 * Where each parent type's time goes: `breakdown[parentType][childType]`, plus
 * `breakdown[parentType].self` for the parent's own time (not inside any child).
 */
export type BreakdownReport = Record<string, Record<string, BreakdownEntry>>;

/** The JSON report (snake_case). Its shape is versioned by `schema_version`. */
export interface Report {
  schema_version: typeof REPORT_SCHEMA_VERSION;
  /** ISO 8601. */
  timestamp: string;
  /** Length of the recent window the figures cover; null for everything since start (or since clearMetrics()). */
  window_seconds: number | null;
  /**
   * With a window: the seconds the figures really cover. The recent window is kept in slots
   * (windowSeconds / 10 each), so a window covers whole slots: up to one slot more than asked.
   */
  window_covered_seconds?: number;
  total_operations: number;
  memory: MemoryStats;
  operations: Record<string, OperationReport>;
  health: HealthStatus;
  dropped: DroppedReport;
  /**
   * The stage breakdown: for each operation type whose operations had child operations, the
   * share of its time spent in each child type and in itself. Absent when no operation had any.
   */
  breakdown?: BreakdownReport;
  /** Every type's cost together. Always present from schema_version 2 (absent in version-1 reports). */
  cost?: CostTotal;
}

export const REPORT_SCHEMA_VERSION = 2 as const;
