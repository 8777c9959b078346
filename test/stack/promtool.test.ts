// The real Prometheus parser and rule engine (promtool) on the stack's Prometheus files: both
// configs, the rule files, the rules' unit tests (alerts fire after `for:` on bad data and not
// on good data), and every dashboard query, loaded as a recording rule so that promtool parses
// and type-checks it exactly as Prometheus would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';

import { requireBinary } from './support/binaries';
import {
  RULES_DIR,
  dashboardFileNames,
  dashboardQueries,
  repoPath,
  ruleFileNames,
  substituteVariables,
  timeVariables,
  variableNames,
  variableQueries,
} from './support/stack-files';

const promtool = requireBinary('promtool', 'the promtool checks of prometheus/ and the dashboards');
const describeWithPromtool = promtool ? describe : describe.skip;

function run(args: string[]): { ok: boolean; output: string } {
  try {
    const output = execFileSync(promtool!, args, { cwd: repoPath(), encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describeWithPromtool('promtool', () => {
  it.each(['prometheus.yml', 'prometheus.local.yml'])('accepts prometheus/%s and the rule files it loads', (file) => {
    const result = run(['check', 'config', '--lint-fatal', join('prometheus', file)]);
    expect(result.output).toMatch(/SUCCESS: \d+ rule files found/);
    expect(result).toMatchObject({ ok: true });
  });

  it('accepts every rule file, duplicate-rule lint included', () => {
    const files = ruleFileNames().map((f) => join(RULES_DIR, f));
    expect(files.length).toBeGreaterThan(0);
    const result = run(['check', 'rules', '--lint-fatal', ...files]);
    expect(result).toMatchObject({ ok: true });
  });

  it('passes the rules unit tests (test/stack/rules)', () => {
    const result = run(['test', 'rules', join('test', 'stack', 'rules', 'ragmeter.rules.test.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result).toMatchObject({ ok: true });
  });

  it('parses every dashboard query and variable query as Prometheus would', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragmeter-dashboard-rules-'));
    try {
      const rules: Array<{ record: string; expr: string }> = [];
      for (const file of dashboardFileNames()) {
        const values: Record<string, string> = { ...timeVariables('1m') };
        for (const name of variableNames(file)) values[name] = '.*';
        for (const q of dashboardQueries(file)) {
          rules.push({ record: `dashboard:query:${rules.length}`, expr: substituteVariables(q.expr, values) });
        }
        for (const v of variableQueries(file)) {
          rules.push({ record: `dashboard:variable:${rules.length}`, expr: substituteVariables(v.selector, values) });
        }
      }
      expect(rules.length).toBeGreaterThan(20);
      const path = join(dir, 'dashboards.rules.yml');
      writeFileSync(path, dump({ groups: [{ name: 'dashboards', rules }] }));
      const result = run(['check', 'rules', path]);
      expect(result).toMatchObject({ ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
