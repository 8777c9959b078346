import { compareReports } from '../../src/compare/compare-reports.js';
import { comparisonToJson, formatComparison } from '../../src/compare/format-comparison.js';
import { operation, pipelineReport, report } from '../report-fixture.js';

/** The table line for one type and metric (every line repeats the type, so it can be grepped). */
function row(text: string, type: string, metric: string): string {
  const line = text.split('\n').find((l) => l.split(/\s+/)[0] === type && l.split(/\s+/)[1] === metric);
  if (line === undefined) throw new Error(`no ${type} ${metric} row in:\n${text}`);
  return line;
}

describe('formatComparison', () => {
  const baseline = pipelineReport();
  const current = pipelineReport({ llm_inference: { p95: 2.6 } });

  it('marks the regressed row and only that one', () => {
    const text = formatComparison(compareReports(baseline, current, 10));
    expect(row(text, 'llm_inference', 'p95')).toMatch(/\+30\.0%\s+REGRESSION$/);
    for (const metric of ['p50', 'p99', 'errors']) {
      expect(row(text, 'llm_inference', metric)).not.toContain('REGRESSION');
    }
    expect(row(text, 'document_retrieval', 'p95')).not.toContain('REGRESSION');
    expect(text).toMatch(/^FAIL: 1 regression\(s\) over 10%: llm_inference p95 \+30\.0%$/m);
  });

  it('shows error rates as percentages and their change in points', () => {
    const text = formatComparison(
      compareReports(baseline, pipelineReport({ llm_inference: { total: 100, failed: 20 } }), 10),
    );
    const line = row(text, 'llm_inference', 'errors');
    expect(line.split(/\s+/).slice(2)).toEqual(['2.00%', '20.00%', '+18.00pp', '+900.0%', 'REGRESSION']);
  });

  it('shows cost per operation in USD and names a cost regression', () => {
    const text = formatComparison(compareReports(baseline, pipelineReport({ llm_inference: { costPerOp: 0.003 } }), 10));
    expect(row(text, 'llm_inference', 'cost/op').split(/\s+/).slice(2)).toEqual(['$0.00200', '$0.00300', '+$0.00100', '+50.0%', 'REGRESSION']);
    expect(text).toMatch(/^FAIL: 1 regression\(s\) over 10%: llm_inference cost per operation \+50\.0%$/m);
    expect(() => row(text, 'document_retrieval', 'cost/op')).toThrow(); // no model, no cost row
  });

  it('says ok and lists one-sided types when nothing regressed', () => {
    const a = report({ reranking: operation(), llm_inference: operation() });
    const b = report({ llm_inference: operation(), pdf_loading: operation() });
    const text = formatComparison(compareReports(a, b, 10));
    expect(text).toContain('only in baseline: reranking\n');
    expect(text).toContain('only in current: pdf_loading\n');
    expect(text).toMatch(/^ok: no .* regression over 10%$/m);
    expect(text).not.toContain('REGRESSION');
  });
});

describe('comparisonToJson', () => {
  it('carries the verdict, the regressions and every compared figure', () => {
    const json = comparisonToJson(
      compareReports(pipelineReport(), pipelineReport({ llm_inference: { p95: 2.6 } }), 10),
    ) as Record<string, unknown>;
    expect(json.regressed).toBe(true);
    expect(json.max_regression_percent).toBe(10);
    expect(json.regressions).toEqual([{ operation: 'llm_inference', metric: 'p95', change_percent: expect.closeTo(30, 9) }]);
    const llm = (json.operations as Record<string, Record<string, Record<string, unknown>>>).llm_inference!;
    expect(llm.p95).toMatchObject({ baseline: 2, current: 2.6, regressed: true, gated: true });
    expect(llm.p50).toMatchObject({ baseline: 1.1, current: 1.1, change: 0, regressed: false, gated: false });
    expect(llm.error_rate).toMatchObject({ baseline: 0.02, current: 0.02, change_points: 0, regressed: false });
    expect(llm.cost_per_operation).toMatchObject({ baseline_usd: 0.002, current_usd: 0.002, change_usd: 0, judged: true, regressed: false });
  });

  it('names a cost regression in JSON', () => {
    const json = comparisonToJson(compareReports(pipelineReport(), pipelineReport({ llm_inference: { costPerOp: 0.004 } }), 10)) as Record<string, unknown>;
    expect(json.regressions).toEqual([{ operation: 'llm_inference', metric: 'cost_per_operation', change_percent: expect.closeTo(100, 9) }]);
  });
});

describe('formatComparison: counts', () => {
  it('shows each type\'s operation count on both sides, and why a small sample is not judged', () => {
    const a = report({ llm_inference: operation({ total: 2, p95: 1, p99: 1 }) });
    const b = report({ llm_inference: operation({ total: 150, p95: 4, p99: 9 }) });
    const text = formatComparison(compareReports(a, b, 10));
    expect(row(text, 'llm_inference', 'count').split(/\s+/).slice(2)).toEqual(['2', '150', '+148', '+7400.0%', '-']);
    expect(row(text, 'llm_inference', 'p99')).not.toContain('REGRESSION');
    expect(text).toContain('not judged: llm_inference (2 operations in the baseline, under the minimum of 20)\n');
    expect(comparisonToJson(compareReports(a, b, 10))).toMatchObject({ min_operations: 20, regressed: false });
  });
});
