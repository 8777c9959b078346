// The Grafana dashboards: the committed JSON is exactly what the typed definitions in
// grafana/src produce, those definitions type-check against @grafana/schema, and the panels
// cover what the overview and the drill-down promise, with units and the datasource variable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { DASHBOARDS, renderDashboard } from '../../grafana/src/dashboards';
import { HOST_SERIES } from '../../grafana/src/metric-names';
import {
  allPanels,
  dashboardFileNames,
  dashboardQueries,
  loadDashboard,
  repoPath,
  variableQueries,
  type PanelJson,
} from './support/stack-files';

const REGENERATE = 'npx ts-node --project grafana/tsconfig.json grafana/src/generate.ts';

describe('grafana/dashboards', () => {
  it('holds exactly the generated dashboards', () => {
    expect(dashboardFileNames()).toEqual(Object.keys(DASHBOARDS).sort());
  });

  it.each(Object.keys(DASHBOARDS))(`%s is up to date with grafana/src (else run: ${REGENERATE})`, (file) => {
    const committed = readFileSync(repoPath('grafana', 'dashboards', file), 'utf8');
    expect(committed).toBe(renderDashboard(DASHBOARDS[file]!()));
  });

  it('grafana/src type-checks against @grafana/schema', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', repoPath('grafana', 'tsconfig.json')], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(error);
    }
    expect(output).toBe('');
  }, 60_000);

  it('gives dashboards distinct uids', () => {
    const uids = dashboardFileNames().map((f) => loadDashboard(f).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  describe.each(dashboardFileNames())('%s', (file) => {
    const dashboard = loadDashboard(file);
    const panels = allPanels(dashboard);
    const dataPanels = panels.filter((p) => p.type !== 'row');

    it('numbers panels uniquely', () => {
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('lays panels out inside 24 columns without overlaps', () => {
      const cells = new Set<string>();
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos;
        expect({ title: p.title, fits: x >= 0 && w > 0 && x + w <= 24 && h > 0 }).toEqual({ title: p.title, fits: true });
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            const cell = `${i},${j}`;
            expect({ title: p.title, cell, free: !cells.has(cell) }).toEqual({ title: p.title, cell, free: true });
            cells.add(cell);
          }
        }
      }
    });

    it('sets a unit on every panel and queries Prometheus through the datasource variable', () => {
      const problems = dataPanels.flatMap((p: PanelJson) => {
        const out: string[] = [];
        if (!p.fieldConfig?.defaults.unit) out.push(`${p.title}: no unit`);
        if (p.datasource?.uid !== '${datasource}') out.push(`${p.title}: panel datasource ${JSON.stringify(p.datasource)}`);
        if (!p.targets?.length) out.push(`${p.title}: no query`);
        for (const t of p.targets ?? []) {
          if (t.datasource?.uid !== '${datasource}') out.push(`${p.title} ${t.refId}: target datasource`);
        }
        return out;
      });
      expect(problems).toEqual([]);
    });

    it('defines a datasource variable of type prometheus', () => {
      const ds = dashboard.templating?.list?.find((v) => v.name === 'datasource');
      expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    });
  });
});

describe('RAG overview', () => {
  const file = 'rag-overview.json';
  const panels = allPanels(loadDashboard(file));
  const byTitle = (title: string) => {
    const p = panels.find((x) => x.title === title);
    if (!p) throw new Error(`no panel "${title}" in ${file}`);
    return p;
  };
  const exprOf = (title: string) => (byTitle(title).targets ?? []).map((t) => t.expr).join('\n');

  it.each([
    ['p50 latency', 0.5],
    ['p95 latency', 0.95],
    ['p99 latency', 0.99],
  ])('%s: per operation type, from the duration buckets, in seconds', (title, q) => {
    expect(exprOf(title)).toBe(
      `histogram_quantile(${q}, sum by (le, rag_operation_type) (rate(rag_operation_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))`,
    );
    expect(byTitle(title).fieldConfig?.defaults.unit).toBe('s');
  });

  it.each([
    ['Throughput', 'ops', /sum by \(rag_operation_type\) \(rate\(rag_operation_duration_seconds_count/],
    ['Error ratio', 'percentunit', /error_type!=""/],
    ['Tokens / s (input and output)', 'short', /gen_ai_token_type=~"input\|output"/],
    ['Heap change attributed to operations', 'Bps', /deriv\(rag_operation_memory_delta_bytes/],
    ['Process RSS', 'bytes', new RegExp(`\\(${HOST_SERIES.processMemory}\\{`)],
    ['Process CPU', 'percentunit', new RegExp(`rate\\(${HOST_SERIES.processCpuTime}\\{`)],
    ['Health', 'none', /rag_health_status/],
  ])('%s (%s)', (title, unit, pattern) => {
    expect(exprOf(title)).toMatch(pattern);
    expect(byTitle(title).fieldConfig?.defaults.unit).toBe(unit);
  });
});

describe('RAG drill-down', () => {
  const file = 'rag-drilldown.json';

  it('filters by service, instance and operation type through label_values variables', () => {
    const vars = variableQueries(file).map((v) => [v.variable, v.label]);
    expect(vars).toEqual([
      ['job', 'job'],
      ['instance', 'instance'],
      ['type', 'rag_operation_type'],
    ]);
    for (const v of variableQueries(file)) expect(v.selector).toMatch(/^rag_operation_duration_seconds_count\b/);
  });

  it('applies the variables in every query', () => {
    for (const q of dashboardQueries(file)) {
      expect({ where: q.where, expr: q.expr }).toEqual({ where: q.where, expr: expect.stringContaining('instance=~"$instance"') });
      expect(q.expr).toContain('job=~"$job"');
      if (q.expr.includes('rag_operation_')) expect(q.expr).toContain('rag_operation_type=~"$type"');
    }
  });

  it('draws the latency distribution as a heatmap of the buckets', () => {
    const heatmap = allPanels(loadDashboard(file)).find((p) => p.type === 'heatmap');
    expect(heatmap?.targets?.[0]).toMatchObject({
      format: 'heatmap',
      expr: expect.stringMatching(/^sum by \(le\) \(increase\(rag_operation_duration_seconds_bucket\{/),
    });
  });
});
