import type { OperationReport, Report } from '@ragmeter/sdk';

/** What a test cares about for one operation type; everything else is derived consistently. */
export interface OperationSpec {
  total?: number;
  failed?: number;
  /** Seconds. */
  p50?: number;
  p95?: number;
  p99?: number;
  tokensPerOp?: number;
  /** USD per priced operation; the type has no cost section when undefined. */
  costPerOp?: number;
  unpriced?: number;
}

export function operation(spec: OperationSpec = {}): OperationReport {
  const total = spec.total ?? 100;
  const failed = spec.failed ?? 0;
  const p50 = spec.p50 ?? 0.1;
  const p95 = spec.p95 ?? p50 * 2;
  const p99 = spec.p99 ?? p95 * 1.5;
  const tokensPerOp = spec.tokensPerOp ?? 0;
  const op: OperationReport = {
    total,
    successful: total - failed,
    failed,
    error_rate: total === 0 ? 0 : failed / total,
    duration: { min: p50 / 2, max: p99 * 1.2, avg: (p50 + p95) / 2, p50, p95, p99 },
    tokens: {
      total: tokensPerOp * total,
      avg: tokensPerOp,
      input: (tokensPerOp * total) / 2,
      output: (tokensPerOp * total) / 2,
    },
    memory_delta_mb: { total: 0.5, avg: total === 0 ? 0 : 0.5 / total },
  };
  if (spec.costPerOp !== undefined || spec.unpriced !== undefined) {
    const unpriced = spec.unpriced ?? 0;
    const costPerOp = spec.costPerOp ?? 0;
    op.cost = { total_usd: costPerOp * (total - unpriced), avg_usd: costPerOp, unpriced_operations: unpriced };
  }
  return op;
}

/** A schema-valid report holding the given operation types. */
export function report(operations: Record<string, OperationReport>, issues: string[] = []): Report {
  const total = Object.values(operations).reduce((sum, op) => sum + op.total, 0);
  return {
    schema_version: 2,
    timestamp: '2026-01-21T12:22:30.000Z',
    window_seconds: null,
    total_operations: total,
    memory: {
      current_rss_mb: 80.5,
      min_rss_mb: 70.25,
      max_rss_mb: 90.75,
      avg_rss_mb: 81,
      heap_used_mb: 30,
      samples: 12,
    },
    operations,
    health: {
      status: issues.length > 0 ? 'warning' : 'healthy',
      memory_mb: 80.5,
      total_operations: total,
      issues,
    },
    dropped: { total: 0, by_reason: {} },
    cost: {
      total_usd: Object.values(operations).reduce((sum, op) => sum + (op.cost?.total_usd ?? 0), 0),
      unpriced_operations: Object.values(operations).reduce((sum, op) => sum + (op.cost?.unpriced_operations ?? 0), 0),
    },
  };
}

/** The same report as version 1 wrote it: no cost anywhere. */
export function versionOneReport(value: Report): object {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown> & { operations: Record<string, Record<string, unknown>> };
  copy.schema_version = 1;
  delete copy.cost;
  for (const op of Object.values(copy.operations)) delete op.cost;
  return copy;
}

/** The usual pipeline, with overrides per type. */
export function pipelineReport(overrides: Record<string, OperationSpec> = {}, issues: string[] = []): Report {
  const specs: Record<string, OperationSpec> = {
    document_retrieval: { total: 200, p50: 0.012, p95: 0.03, p99: 0.05 },
    embedding_generation: { total: 200, p50: 0.04, p95: 0.09, p99: 0.15, tokensPerOp: 20 },
    llm_inference: { total: 100, failed: 2, p50: 1.1, p95: 2, p99: 2.5, tokensPerOp: 150, costPerOp: 0.002 },
  };
  const operations: Record<string, OperationReport> = {};
  for (const type of new Set([...Object.keys(specs), ...Object.keys(overrides)])) {
    operations[type] = operation({ ...specs[type], ...overrides[type] });
  }
  return report(operations, issues);
}
