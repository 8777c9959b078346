import type { HealthStatus, PerformanceStats } from './types.js';

/** Thresholds for {@link evaluateHealth}. */
export interface HealthThresholds {
  /** Warn when process RSS exceeds this many MB. Default 1000. */
  maxRssMb?: number;
  /** Warn when a type's failed/total exceeds this (0..1). Default 0.1. */
  maxErrorRate?: number;
  /** Per-type error-rate overrides (0..1). */
  maxErrorRateByType?: Record<string, number>;
  /** Error rates are judged only once a type has this many operations in the window. Default 10. */
  minOperationsForErrorRate?: number;
  /** Optional p95 latency objective per type, seconds. */
  p95ObjectiveSeconds?: Record<string, number>;
}

export const DEFAULT_HEALTH_THRESHOLDS = Object.freeze({
  maxRssMb: 1000,
  maxErrorRate: 0.1,
  minOperationsForErrorRate: 10,
});

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A per-type setting; own keys only, so a type named e.g. `constructor` is not read off Object.prototype. */
const perType = (table: Record<string, number> | undefined, type: string): number | undefined =>
  table !== undefined && Object.hasOwn(table, type) ? table[type] : undefined;

/** Pure: health from current RSS and per-type stats (normally those of the recent window). */
export function evaluateHealth(
  rssMb: number,
  stats: Record<string, PerformanceStats>,
  totalOperations: number,
  thresholds: HealthThresholds = {},
): HealthStatus {
  const maxRssMb = thresholds.maxRssMb ?? DEFAULT_HEALTH_THRESHOLDS.maxRssMb;
  const minOps = thresholds.minOperationsForErrorRate ?? DEFAULT_HEALTH_THRESHOLDS.minOperationsForErrorRate;
  const issues: string[] = [];
  if (rssMb > maxRssMb) {
    issues.push(`High memory: RSS ${rssMb.toFixed(1)} MB > ${maxRssMb} MB`);
  }
  for (const type of Object.keys(stats).sort()) {
    const s = stats[type]!;
    const limit =
      perType(thresholds.maxErrorRateByType, type) ??
      thresholds.maxErrorRate ??
      DEFAULT_HEALTH_THRESHOLDS.maxErrorRate;
    if (s.totalOperations >= minOps && s.totalOperations > 0) {
      const rate = s.failedOperations / s.totalOperations;
      if (rate > limit) {
        issues.push(
          `High error rate for ${type}: ${pct(rate)} (${s.failedOperations}/${s.totalOperations}) > ${pct(limit)}`,
        );
      }
    }
    const objective = perType(thresholds.p95ObjectiveSeconds, type);
    if (objective !== undefined && s.totalOperations > 0 && s.p95DurationSeconds > objective) {
      issues.push(
        `Slow ${type}: p95 ${s.p95DurationSeconds.toFixed(3)} s > objective ${objective} s`,
      );
    }
  }
  return {
    status: issues.length === 0 ? 'healthy' : 'warning',
    memory_mb: rssMb,
    total_operations: totalOperations,
    issues,
  };
}
