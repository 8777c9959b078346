import fc from 'fast-check';
import { compareReports, type OperationComparison } from '../../src/compare/compare-reports.js';
import { operation, pipelineReport, report } from '../report-fixture.js';

function find(operations: OperationComparison[], type: string): OperationComparison {
  const found = operations.find((op) => op.type === type);
  if (found === undefined) throw new Error(`no comparison for ${type}`);
  return found;
}

describe('compareReports', () => {
  it('finds nothing when the reports are the same', () => {
    const result = compareReports(pipelineReport(), pipelineReport(), 10);
    expect(result.regressions).toEqual([]);
    expect(result.operations.map((op) => op.type)).toEqual([
      'document_retrieval',
      'embedding_generation',
      'llm_inference',
    ]);
    for (const op of result.operations) {
      expect(op.latency.map((c) => c.changeSeconds)).toEqual([0, 0, 0]);
      expect(op.errorRate.changePoints).toBe(0);
    }
  });

  it('flags a p95 growth over the limit, for that type and percentile only', () => {
    const baseline = pipelineReport();
    const current = pipelineReport({ llm_inference: { p95: 2.6 } }); // 2.0 -> 2.6 s: +30 %
    const result = compareReports(baseline, current, 10);
    expect(result.regressions).toEqual([{ type: 'llm_inference', metric: 'p95', amount: expect.closeTo(30, 9) }]);
    const llm = find(result.operations, 'llm_inference');
    const p95 = llm.latency.find((c) => c.percentile === 'p95')!;
    expect(p95.baselineSeconds).toBe(2);
    expect(p95.currentSeconds).toBe(2.6);
    expect(p95.changeSeconds).toBeCloseTo(0.6, 12);
    expect(p95.regressed).toBe(true);
    expect(llm.latency.find((c) => c.percentile === 'p99')!.regressed).toBe(false);
  });

  it('flags p99 like p95', () => {
    const result = compareReports(pipelineReport(), pipelineReport({ document_retrieval: { p99: 0.1 } }), 10);
    expect(result.regressions.map((r) => [r.type, r.metric])).toEqual([['document_retrieval', 'p99']]);
  });

  it('lets a change of exactly the limit pass and one just over it fail', () => {
    // 2.0 -> 2.2 is 10.000000000000009 % in floating point.
    const atLimit = compareReports(pipelineReport(), pipelineReport({ llm_inference: { p95: 2.2 } }), 10);
    expect(atLimit.regressions).toEqual([]);
    const over = compareReports(pipelineReport(), pipelineReport({ llm_inference: { p95: 2.2001 } }), 10);
    expect(over.regressions.map((r) => r.metric)).toEqual(['p95']);
  });

  it('shows p50 changes but never fails on them', () => {
    const result = compareReports(pipelineReport(), pipelineReport({ llm_inference: { p50: 1.9, p95: 2, p99: 2.5 } }), 10);
    const p50 = find(result.operations, 'llm_inference').latency.find((c) => c.percentile === 'p50')!;
    expect(p50.changePercent).toBeCloseTo(((1.9 - 1.1) / 1.1) * 100, 9);
    expect(p50.gated).toBe(false);
    expect(p50.regressed).toBe(false);
    expect(result.regressions).toEqual([]);
  });

  it('does not flag improvements', () => {
    const result = compareReports(pipelineReport(), pipelineReport({ llm_inference: { p95: 1, p99: 1.2 } }), 0);
    const p95 = find(result.operations, 'llm_inference').latency.find((c) => c.percentile === 'p95')!;
    expect(p95.changePercent).toBeCloseTo(-50, 9);
    expect(result.regressions).toEqual([]);
  });

  it('judges the error rate in percentage points', () => {
    const baseline = pipelineReport({ llm_inference: { total: 100, failed: 2 } }); // 2 %
    const atLimit = compareReports(baseline, pipelineReport({ llm_inference: { total: 100, failed: 12 } }), 10);
    expect(atLimit.regressions).toEqual([]);
    expect(find(atLimit.operations, 'llm_inference').errorRate.changePoints).toBeCloseTo(10, 9);
    // Relative to 2 %, 12 % is +500 %: the relative change is shown but not what is judged.
    expect(find(atLimit.operations, 'llm_inference').errorRate.changePercent).toBeCloseTo(500, 9);

    const over = compareReports(baseline, pipelineReport({ llm_inference: { total: 100, failed: 13 } }), 10);
    expect(over.regressions).toEqual([{ type: 'llm_inference', metric: 'error_rate', amount: expect.closeTo(11, 9) }]);
  });

  it('lists types found in one report only, without failing', () => {
    const baseline = report({ reranking: operation(), llm_inference: operation() });
    const current = report({ llm_inference: operation(), constructor: operation(), toString: operation({ p95: 9 }) });
    const result = compareReports(baseline, current, 10);
    expect(result.onlyInBaseline).toEqual(['reranking']);
    expect(result.onlyInCurrent).toEqual(['constructor', 'toString']);
    expect(result.operations.map((op) => op.type)).toEqual(['llm_inference']);
    expect(result.regressions).toEqual([]);
  });

  it('does not judge a type with no operations on one side', () => {
    const baseline = report({ reranking: operation({ total: 0, p50: 0, p95: 0, p99: 0 }) });
    const current = report({ reranking: operation({ total: 10, failed: 10, p95: 5 }) });
    const result = compareReports(baseline, current, 10);
    expect(find(result.operations, 'reranking').notJudged).toBe('no operations in the baseline');
    expect(result.regressions).toEqual([]);
    const reverse = compareReports(current, baseline, 10);
    expect(find(reverse.operations, 'reranking').notJudged).toBe('no operations in the current report');
  });

  it('counts a rise from a zero percentile as a regression', () => {
    const baseline = report({ reranking: operation({ p50: 0, p95: 0, p99: 0 }) });
    const current = report({ reranking: operation({ p50: 0, p95: 0.001, p99: 0 }) });
    const result = compareReports(baseline, current, 1000);
    const p95 = find(result.operations, 'reranking').latency.find((c) => c.percentile === 'p95')!;
    expect(p95.changePercent).toBeNull();
    expect(result.regressions.map((r) => r.metric)).toEqual(['p95']);
  });

  it('fails exactly when p95 exceeds baseline * (1 + limit)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 3600, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (baseP95, factor, limit) => {
          const currentP95 = baseP95 * factor;
          const bound = baseP95 * (1 + limit / 100);
          // Stay clear of the boundary, where rounding decides.
          fc.pre(Math.abs(currentP95 - bound) > bound * 1e-6);
          const baseline = report({ llm_inference: operation({ p50: 0, p95: baseP95, p99: 0 }) });
          const current = report({ llm_inference: operation({ p50: 0, p95: currentP95, p99: 0 }) });
          const failed = compareReports(baseline, current, limit).regressions.length > 0;
          expect(failed).toBe(currentP95 > bound);
        },
      ),
    );
  });

  describe('cost per operation', () => {
    it('fails when a type\'s average cost per operation grows past the limit, naming the type', () => {
      const baseline = pipelineReport(); // llm_inference: $0.002 per operation
      const current = pipelineReport({ llm_inference: { costPerOp: 0.0025 } }); // +25 %
      const result = compareReports(baseline, current, 10);
      expect(result.regressions).toEqual([{ type: 'llm_inference', metric: 'cost', amount: expect.closeTo(25, 9) }]);
      expect(find(result.operations, 'llm_inference').cost).toEqual({
        baselineUsd: 0.002,
        currentUsd: 0.0025,
        changeUsd: expect.closeTo(0.0005, 12),
        changePercent: expect.closeTo(25, 9),
        judged: true,
        regressed: true,
      });
    });

    it('lets a change of exactly the limit and a cheaper run pass', () => {
      expect(compareReports(pipelineReport(), pipelineReport({ llm_inference: { costPerOp: 0.0022 } }), 10).regressions).toEqual([]);
      expect(compareReports(pipelineReport(), pipelineReport({ llm_inference: { costPerOp: 0.001 } }), 10).regressions).toEqual([]);
      expect(compareReports(pipelineReport(), pipelineReport({ llm_inference: { costPerOp: 0.00221 } }), 10).regressions).toHaveLength(1);
    });

    it('does not judge cost against a baseline without cost: version 1, no model, or all unpriced', () => {
      const current = pipelineReport({ llm_inference: { costPerOp: 1 } });
      const noCost = pipelineReport({ llm_inference: { costPerOp: undefined } });
      delete noCost.operations.llm_inference!.cost;
      expect(compareReports(noCost, current, 10).regressions).toEqual([]);
      expect(find(compareReports(noCost, current, 10).operations, 'llm_inference').cost).toBeUndefined();
      const unpriced = pipelineReport({ llm_inference: { costPerOp: 0, unpriced: 100 } });
      const result = compareReports(unpriced, current, 10);
      expect(result.regressions).toEqual([]);
      expect(find(result.operations, 'llm_inference').cost).toMatchObject({ judged: false, regressed: false });
    });
  });
});

describe('compareReports: the minimum sample', () => {
  // A 2-operation baseline's p99 is its slowest call: a "regression" against it is noise.
  const small = report({ llm_inference: operation({ total: 2, p50: 1, p95: 1, p99: 1 }) });
  const slower = report({ llm_inference: operation({ total: 200, p50: 1, p95: 3, p99: 5 }) });

  it('does not judge a type with fewer operations than the minimum on either side', () => {
    const result = compareReports(small, slower, 10);
    expect(result.regressions).toEqual([]);
    expect(result.minOperations).toBe(20);
    expect(find(result.operations, 'llm_inference').notJudged).toBe('2 operations in the baseline, under the minimum of 20');
    const reversed = compareReports(slower, report({ llm_inference: operation({ total: 19, p95: 30, p99: 50 }) }), 10);
    expect(reversed.regressions).toEqual([]);
    expect(find(reversed.operations, 'llm_inference').notJudged).toMatch(/^19 operations in the current report/);
  });

  it('judges it once both sides reach the minimum the caller sets', () => {
    const result = compareReports(small, slower, 10, { minOperations: 2 });
    expect(result.regressions.map((r) => r.metric)).toEqual(['p95', 'p99']);
    expect(find(result.operations, 'llm_inference').notJudged).toBeUndefined();
  });
});
