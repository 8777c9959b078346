import { InputError } from '../../src/errors.js';
import { costQueries } from '../../src/fleet/cost-queries.js';
import { fleetQueries, histogramQuantile, histogramTotal, parseSelector, parseWindow } from '../../src/fleet/promql.js';

describe('parseWindow', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['1h30m', 5400],
    ['1d', 86_400],
    ['1500ms', 1.5],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseWindow(text)).toBe(seconds);
  });

  it.each(['5', '5 m', '-5m', 'five minutes', '', '0s', '5M'])('refuses %j with one line naming the flag', (text) => {
    expect(() => parseWindow(text)).toThrow(InputError);
    expect(() => parseWindow(text)).toThrow(new RegExp(`^--window '${text}': `));
  });
});

describe('parseSelector', () => {
  it('takes matchers with or without braces, every operator, and both quotes', () => {
    expect(parseSelector('{service_name="rag-api"}')).toEqual(['service_name="rag-api"']);
    expect(parseSelector(` job = "a" , env=~'prod|staging',zone!="x\\"y", k!~"z" `)).toEqual([
      'job="a"',
      "env=~'prod|staging'",
      'zone!="x\\"y"',
      'k!~"z"',
    ]);
    expect(parseSelector('{}')).toEqual([]);
  });

  it.each([
    ['{job=rag-api}', /stopped at 'job=rag-api'/],
    ['up{job="a"}', /stopped at 'up\{job="a"\}'/],
    ['{job="a" env="b"}', /stopped at 'job="a" env="b"'/],
    ['{__name__="x"}', /__name__ cannot be chosen/],
  ])('refuses %s', (text, problem) => {
    expect(() => parseSelector(text)).toThrow(problem);
  });
});

describe('PromQL of the fleet report', () => {
  const all = { matchers: [] };
  const scoped = { matchers: ['service_name="rag-api"'], window: '5m' };

  it('reads native histograms where a label set has them and classic series otherwise, never both', () => {
    expect(histogramTotal('h', 'count', ['t'], all)).toBe('sum by (t) (histogram_count(h)) or sum by (t) (h_count)');
    expect(histogramQuantile('h', 0.95, ['t'], all)).toBe(
      'histogram_quantile(0.95, sum by (t) (h)) or histogram_quantile(0.95, sum by (t, le) (h_bucket))',
    );
  });

  it('adds the selector to every series and takes increase() over the window', () => {
    expect(histogramTotal('h', 'sum', ['t'], scoped, ['error_type!=""'])).toBe(
      'sum by (t) (histogram_sum(increase(h{service_name="rag-api",error_type!=""}[5m]))) or ' +
        'sum by (t) (increase(h_sum{service_name="rag-api",error_type!=""}[5m]))',
    );
    const queries = fleetQueries(scoped);
    for (const [name, expr] of Object.entries({ ...queries, ...costQueries(scoped) })) {
      const selectors = [...expr.matchAll(/[a-z_]+\{([^}]*)\}/g)];
      expect({ name, selectors: selectors.length > 0 }).toEqual({ name, selectors: true });
      for (const [, matchers] of selectors) expect(matchers!.startsWith('service_name="rag-api"')).toBe(true);
    }
    // The memory delta is a running sum that can go down: delta(), not increase().
    expect(queries.memoryDelta).toBe(
      'sum by (rag_operation_type) (delta(rag_operation_memory_delta_bytes{service_name="rag-api"}[5m]))',
    );
    // A gauge and a discovery series are read as they are now, window or not.
    expect(queries.instances).toBe('group by (job, instance) (rag_health_status{service_name="rag-api"})');
    expect(queries.instanceRss).toBe('max by (job, instance) (process_memory_usage{service_name="rag-api"})');
  });

  it('since start reads the counters as they are', () => {
    const queries = fleetQueries(all);
    expect(Object.values(queries).some((q) => q.includes('increase(') || q.includes('delta('))).toBe(false);
    expect(queries.failed).toContain('rag_operation_duration_seconds_count{error_type!=""}');
    expect(costQueries(all)).toEqual({
      costUsd: 'sum by (rag_operation_type) (rag_operation_cost_USD_total)',
      priced: 'sum by (rag_operation_type) (rag_operation_priced_total)',
      unpriced: 'sum by (rag_operation_type) (rag_operation_unpriced_total)',
    });
  });
});
