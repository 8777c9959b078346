// Reads the stack's files (compose, Prometheus rules, Grafana dashboards) and pulls out every
// PromQL expression they hold, so the static and the live tests check the same list.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

export function readYaml<T = unknown>(...parts: string[]): T {
  return load(readFileSync(repoPath(...parts), 'utf8')) as T;
}

export function readJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(repoPath(...parts), 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------
// Prometheus rules

export interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const RULES_DIR = repoPath('prometheus', 'rules');

export function ruleFileNames(): string[] {
  return readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
}

export interface RuleExpression {
  /** e.g. `ragmeter.rules.yml: alert RagTargetDown` */
  where: string;
  rule: Rule;
  expr: string;
}

export function ruleExpressions(): RuleExpression[] {
  return ruleFileNames().flatMap((file) =>
    readYaml<RuleFile>('prometheus', 'rules', file).groups.flatMap((group) =>
      group.rules.map((rule) => ({
        where: `${file}: ${rule.alert ? `alert ${rule.alert}` : `record ${rule.record}`}`,
        rule,
        expr: rule.expr,
      })),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Grafana dashboards (the committed JSON: what Grafana loads)

export const DASHBOARDS_DIR = repoPath('grafana', 'dashboards');

export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating?: { list?: VariableJson[] };
}

export interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ refId: string; expr: string; legendFormat?: string; format?: string; datasource?: { uid?: string } }>;
  fieldConfig?: { defaults: { unit?: string } };
  panels?: PanelJson[];
}

export interface VariableJson {
  type: string;
  name: string;
  query?: string | { query?: string };
  current?: { value: string | string[] };
  allValue?: string;
  includeAll?: boolean;
}

export function dashboardFileNames(): string[] {
  return readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
}

export function loadDashboard(file: string): DashboardJson {
  return readJson<DashboardJson>('grafana', 'dashboards', file);
}

/** Every panel, rows' children included. */
export function allPanels(dashboard: DashboardJson): PanelJson[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface DashboardQuery {
  /** e.g. `rag-overview.json: "p95 latency" A` */
  where: string;
  dashboard: string;
  panel: PanelJson;
  expr: string;
}

export function dashboardQueries(file: string): DashboardQuery[] {
  const dashboard = loadDashboard(file);
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      where: `${file}: "${panel.title}" ${t.refId}`,
      dashboard: file,
      panel,
      expr: t.expr,
    })),
  );
}

export interface VariableQuery {
  where: string;
  variable: string;
  /** The series selector inside label_values(...). */
  selector: string;
  label: string;
}

/** `label_values(selector, label)` queries of the dashboard's query variables. */
export function variableQueries(file: string): VariableQuery[] {
  const dashboard = loadDashboard(file);
  return (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => {
      const text = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(text.trim());
      if (!m) throw new Error(`${file}: variable $${v.name}: not a label_values(selector, label) query: ${text}`);
      return { where: `${file}: variable $${v.name}`, variable: v.name, selector: m[1]!, label: m[2]! };
    });
}

/** Names of the template variables a dashboard defines. */
export function variableNames(file: string): string[] {
  return (loadDashboard(file).templating?.list ?? []).map((v) => v.name);
}

/**
 * Replaces Grafana's variables in a query: `$__rate_interval`, `$__interval`, `$__range` and the
 * dashboard's own (`$job`, `${job}`, `${job:regex}`). A variable missing from `values` throws,
 * so a query that uses an undefined variable cannot slip through.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`unknown variable $${name} in: ${expr}`);
    return value;
  });
}

/** Grafana's time variables, replaced by one window for the checks. */
export function timeVariables(window: string): Record<string, string> {
  return { __rate_interval: window, __interval: window, __range: window };
}
