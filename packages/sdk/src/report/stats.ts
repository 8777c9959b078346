import { BYTES_PER_MB } from '../probes/memory.js';
import type { TypeAggregate } from '../reader/type-aggregate.js';
import type { PerformanceStats } from './types.js';

/** One operation type's statistics from its aggregate (all zero when there is none). */
export function toStats(type: string, agg: TypeAggregate | undefined): PerformanceStats {
  const d = agg?.duration;
  const ttft = agg?.timeToFirstToken;
  const total = d?.count ?? 0;
  const failed = agg?.failed ?? 0;
  const input = agg?.inputTokens ?? 0;
  const output = agg?.outputTokens ?? 0;
  const tokens = input + output + (agg?.otherTokens ?? 0);
  const memoryMb = (agg?.memoryDeltaBytes ?? 0) / BYTES_PER_MB;
  const has = d !== undefined && total > 0;
  const hasTtft = ttft !== undefined && ttft.count > 0;
  const costUsd = agg?.costUsd ?? 0;
  const priced = agg?.pricedOperations ?? 0;
  return {
    operationType: type,
    totalOperations: total,
    successfulOperations: total - failed,
    failedOperations: failed,
    minDurationSeconds: has ? d.min : 0,
    maxDurationSeconds: has ? d.max : 0,
    avgDurationSeconds: has ? d.sum / total : 0,
    p50DurationSeconds: has ? d.quantile(0.5) : 0,
    p95DurationSeconds: has ? d.quantile(0.95) : 0,
    p99DurationSeconds: has ? d.quantile(0.99) : 0,
    totalTokens: tokens,
    avgTokens: total > 0 ? tokens / total : 0,
    inputTokens: input,
    outputTokens: output,
    totalMemoryDeltaMb: memoryMb,
    avgMemoryDeltaMb: total > 0 ? memoryMb / total : 0,
    timeToFirstTokenCount: ttft?.count ?? 0,
    p50TimeToFirstTokenSeconds: hasTtft ? ttft.quantile(0.5) : 0,
    p95TimeToFirstTokenSeconds: hasTtft ? ttft.quantile(0.95) : 0,
    p99TimeToFirstTokenSeconds: hasTtft ? ttft.quantile(0.99) : 0,
    totalCostUsd: costUsd,
    avgCostUsd: priced > 0 ? costUsd / priced : 0,
    pricedOperations: priced,
    unpricedOperations: agg?.unpricedOperations ?? 0,
  };
}

/** Statistics of every type that has operations. */
export function statsOf(aggregates: ReadonlyMap<string, TypeAggregate>): Record<string, PerformanceStats> {
  const out: Record<string, PerformanceStats> = {};
  for (const [type, agg] of aggregates) if (agg.duration.count > 0) out[type] = toStats(type, agg);
  return out;
}
