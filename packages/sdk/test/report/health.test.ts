import { DEFAULT_HEALTH_THRESHOLDS, evaluateHealth } from '../../src/report/health.js';
import type { PerformanceStats } from '../../src/report/types.js';

function stats(type: string, total: number, failed: number, p95 = 0.1): PerformanceStats {
  return {
    operationType: type,
    totalOperations: total,
    successfulOperations: total - failed,
    failedOperations: failed,
    minDurationSeconds: 0.01,
    maxDurationSeconds: p95 * 2,
    avgDurationSeconds: p95 / 2,
    p50DurationSeconds: p95 / 2,
    p95DurationSeconds: p95,
    p99DurationSeconds: p95 * 1.5,
    totalTokens: 0,
    avgTokens: 0,
    inputTokens: 0,
    outputTokens: 0,
    totalMemoryDeltaMb: 0,
    avgMemoryDeltaMb: 0,
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
const of = (...list: PerformanceStats[]): Record<string, PerformanceStats> =>
  Object.fromEntries(list.map((s) => [s.operationType, s]));

describe('evaluateHealth', () => {
  it('defaults: 1000 MB RSS, 10 % error rate, judged from 10 operations', () => {
    expect(DEFAULT_HEALTH_THRESHOLDS).toEqual({ maxRssMb: 1000, maxErrorRate: 0.1, minOperationsForErrorRate: 10 });
  });

  it('healthy with nothing recorded', () => {
    expect(evaluateHealth(50, {}, 0)).toEqual({ status: 'healthy', memory_mb: 50, total_operations: 0, issues: [] });
  });

  it('warns when RSS is over the threshold (strictly)', () => {
    expect(evaluateHealth(1000, {}, 0).status).toBe('healthy');
    const h = evaluateHealth(1000.5, {}, 3);
    expect(h.status).toBe('warning');
    expect(h.issues).toEqual(['High memory: RSS 1000.5 MB > 1000 MB']);
    expect(h.total_operations).toBe(3);
    expect(evaluateHealth(300, {}, 0, { maxRssMb: 256 }).issues[0]).toMatch(/^High memory: RSS 300\.0 MB > 256 MB$/);
  });

  it('warns on an error rate over 10 % per type (strictly), only from minOperationsForErrorRate', () => {
    expect(evaluateHealth(1, of(stats('llm_inference', 10, 1)), 10).status).toBe('healthy'); // exactly 10 %
    const h = evaluateHealth(1, of(stats('llm_inference', 10, 2), stats('reranking', 100, 5)), 110);
    expect(h.status).toBe('warning');
    expect(h.issues).toEqual(['High error rate for llm_inference: 20.0% (2/10) > 10.0%']);
    // 9 failures out of 9: not enough operations to judge yet
    expect(evaluateHealth(1, of(stats('llm_inference', 9, 9)), 9).status).toBe('healthy');
    expect(evaluateHealth(1, of(stats('llm_inference', 2, 2)), 2, { minOperationsForErrorRate: 2 }).status).toBe('warning');
  });

  it('per-type overrides win over the global error rate', () => {
    const thresholds = { maxErrorRate: 0.05, maxErrorRateByType: { reranking: 0.5 } };
    const h = evaluateHealth(1, of(stats('reranking', 20, 8), stats('llm_inference', 20, 2)), 40, thresholds);
    expect(h.issues).toEqual(['High error rate for llm_inference: 10.0% (2/20) > 5.0%']);
  });

  it('warns when a p95 objective is missed (strictly)', () => {
    const thresholds = { p95ObjectiveSeconds: { llm_inference: 2 } };
    expect(evaluateHealth(1, of(stats('llm_inference', 5, 0, 2)), 5, thresholds).status).toBe('healthy');
    const h = evaluateHealth(1, of(stats('llm_inference', 5, 0, 2.5), stats('reranking', 5, 0, 99)), 10, thresholds);
    expect(h.issues).toEqual(['Slow llm_inference: p95 2.500 s > objective 2 s']);
  });

  it('lists every issue, types in name order', () => {
    const h = evaluateHealth(
      2000,
      of(stats('zeta_step', 10, 10), stats('alpha_step', 10, 10, 3)),
      20,
      { p95ObjectiveSeconds: { alpha_step: 1 } },
    );
    expect(h.issues.map((i) => i.split(':')[0])).toEqual([
      'High memory',
      'High error rate for alpha_step',
      'Slow alpha_step',
      'High error rate for zeta_step',
    ]);
  });

  it('custom type names that collide with Object.prototype members are judged like any other', () => {
    const s = of(stats('constructor', 10, 5, 5), stats('valueof', 10, 0, 5));
    const h = evaluateHealth(1, s, 20, { maxErrorRateByType: {}, p95ObjectiveSeconds: {} });
    expect(h.issues).toEqual(['High error rate for constructor: 50.0% (5/10) > 10.0%']);
  });
});
