// Every PromQL expression of the stack — dashboard panels, dashboard variables, recording and
// alerting rules — parses with Prometheus' own lezer grammar after Grafana's variables are
// replaced, reads only series docs/metrics.md documents (or the host metrics and recording
// rules named in one place), and follows the dashboards' conventions.
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';

import { HOST_SERIES, SERIES } from '../../grafana/src/metric-names';
import {
  dashboardFileNames,
  dashboardQueries,
  repoPath,
  ruleExpressions,
  substituteVariables,
  timeVariables,
  variableNames,
  variableQueries,
} from './support/stack-files';

interface Expression {
  where: string;
  expr: string;
}

function dashboardExpressions(): Expression[] {
  return dashboardFileNames().flatMap((file) => {
    const values: Record<string, string> = { ...timeVariables('1m') };
    for (const name of variableNames(file)) values[name] = '.*';
    return [
      ...dashboardQueries(file).map((q) => ({ where: q.where, expr: substituteVariables(q.expr, values) })),
      ...variableQueries(file).map((v) => ({ where: v.where, expr: substituteVariables(v.selector, values) })),
    ];
  });
}

const ruleExprs: Expression[] = ruleExpressions().map((r) => ({ where: r.where, expr: r.expr }));
const allExpressions: Expression[] = [...dashboardExpressions(), ...ruleExprs];

/** Error nodes of the parse tree, as "offset: text" (empty when the expression parses). */
function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

/** Metric names of the vector selectors in an expression. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(expr.slice(id.from, id.to));
      }
    },
  });
  return names;
}

/** The "Prometheus series" columns of docs/metrics.md's tables: `x_bucket`, `_sum`, `_count`
 * and `x_*` all stand for a histogram's three series. */
function documentedSeries(): Set<string> {
  const doc = readFileSync(repoPath('docs', 'metrics.md'), 'utf8');
  const names = new Set<string>();
  let seriesColumn = -1;
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split('|');
    const header = cells.findIndex((c) => c.trim() === 'Prometheus series');
    if (header >= 0) {
      seriesColumn = header;
      continue;
    }
    if (seriesColumn < 0 || /^\|[-| ]+\|$/.test(line)) continue;
    const tokens = [...(cells[seriesColumn] ?? '').matchAll(/`([a-zA-Z_*]+)`/g)].map((m) => m[1]!);
    let base = '';
    for (const token of tokens) {
      if (token.endsWith('_*')) {
        base = token.slice(0, -2);
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(base + suffix);
      } else if (token.startsWith('_')) {
        names.add(base + token);
      } else {
        names.add(token);
        base = token.replace(/_(bucket|sum|count)$/, '');
      }
    }
  }
  return names;
}

const recordedSeries = new Set(ruleExpressions().flatMap((r) => (r.rule.record ? [r.rule.record] : [])));
const hostSeries = new Set<string>(Object.values(HOST_SERIES));

describe('PromQL of the dashboards and rules', () => {
  it('finds the expressions to check', () => {
    expect(dashboardExpressions().length).toBeGreaterThan(20);
    expect(ruleExprs.length).toBeGreaterThan(10);
  });

  it.each(allExpressions.map((e) => [e.where, e.expr]))('%s parses', (_where, expr) => {
    expect(parseErrors(expr)).toEqual([]);
  });

  it('the parse check rejects a broken expression', () => {
    expect(parseErrors('sum by (le (rate(x[1m]))')).not.toEqual([]);
  });

  it('reads only series that docs/metrics.md documents, recording rules record, or up', () => {
    const documented = documentedSeries();
    expect([...documented]).toEqual(
      expect.arrayContaining([
        'rag_operation_duration_seconds_bucket',
        'rag_operation_duration_seconds_count',
        'rag_operation_tokens_sum',
        'rag_operation_memory_delta_bytes',
        'rag_health_status',
        'rag_sdk_dropped_total',
        'process_cpu_time_seconds_total',
      ]),
    );
    expect(documented.has('rag_operation_type')).toBe(false);
    const unknown = allExpressions.flatMap((e) =>
      metricNames(e.expr)
        .filter((n) => !documented.has(n) && !recordedSeries.has(n) && n !== 'up')
        .map((n) => `${e.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('names in grafana/src/metric-names.ts only documented series', () => {
    const documented = documentedSeries();
    const names = [...Object.values(SERIES), ...Object.values(HOST_SERIES)];
    expect(names.filter((n) => !documented.has(n))).toEqual([]);
  });

  it('uses host metrics only by the names in grafana/src/metric-names.ts', () => {
    const processSeries = allExpressions.flatMap((e) => metricNames(e.expr).filter((n) => n.startsWith('process_')));
    expect(processSeries.length).toBeGreaterThan(0);
    expect(processSeries.filter((n) => !hostSeries.has(n))).toEqual([]);
  });

  it('has every rule read series that exist: recorded ones are recorded somewhere', () => {
    const unrecorded = ruleExprs.flatMap((e) =>
      metricNames(e.expr).filter((n) => n.includes(':') && !recordedSeries.has(n)).map((n) => `${e.where}: ${n}`),
    );
    expect(unrecorded).toEqual([]);
  });
});

describe('dashboard query conventions', () => {
  const queries = dashboardFileNames().flatMap((file) => dashboardQueries(file));

  it('uses $__rate_interval for every range, never a fixed window', () => {
    const ranges = queries.flatMap((q) => [...q.expr.matchAll(/\[([^\]]+)\]/g)].map((m) => `${q.where}: ${m[1]}`));
    expect(ranges.length).toBeGreaterThan(10);
    expect(ranges.filter((r) => !r.endsWith(': $__rate_interval'))).toEqual([]);
  });

  it('computes quantiles from buckets summed by le, so they hold for one instance or many', () => {
    const quantiles = queries.filter((q) => q.expr.includes('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThanOrEqual(5);
    for (const q of quantiles) {
      expect({ where: q.where, expr: q.expr }).toEqual({
        where: q.where,
        expr: expect.stringMatching(/^histogram_quantile\(0\.\d+, sum by \(le(, \w+)*\) \(rate\(rag_operation_(duration|time_to_first_token)_seconds_bucket\{/),
      });
    }
  });

  it('never applies rate() to the memory-delta gauge', () => {
    const memory = queries.filter((q) => q.expr.includes('rag_operation_memory_delta_bytes'));
    expect(memory.length).toBeGreaterThan(0);
    for (const q of memory) expect(q.expr).toMatch(/deriv\(rag_operation_memory_delta_bytes\{/);
  });

  it('uses only variables the dashboard defines', () => {
    for (const file of dashboardFileNames()) {
      const values: Record<string, string> = { ...timeVariables('1m') };
      for (const name of variableNames(file)) values[name] = '.*';
      for (const q of dashboardQueries(file)) expect(() => substituteVariables(q.expr, values)).not.toThrow();
    }
  });
});
