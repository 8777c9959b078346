import type { DurationSummary } from '@ragmeter/sdk';
import { checkReport } from '../src/report-schema.js';
import { pipelineReport, versionOneReport } from './report-fixture.js';

function problemOf(value: unknown): string {
  const check = checkReport(value);
  if (check.ok) throw new Error('expected the value to be rejected');
  return check.problem;
}

describe('checkReport', () => {
  it('accepts a well-formed report', () => {
    const value = JSON.parse(JSON.stringify(pipelineReport())) as unknown;
    expect(checkReport(value)).toEqual({ ok: true, report: value });
  });

  it.each([
    [[1, 2], 'an array'],
    [null, 'null'],
    [42, 'a number'],
    ['report', 'a string'],
  ])('rejects %j as not an object', (value, found) => {
    expect(problemOf(value)).toBe(`not a ragmeter report (expected a JSON object, found ${found})`);
  });

  it('rejects other JSON objects as not a report', () => {
    expect(problemOf({ name: 'ragmeter', version: '1.0.0' })).toBe('not a ragmeter report (no "schema_version" field)');
  });

  it('rejects another schema version', () => {
    expect(problemOf({ ...pipelineReport(), schema_version: 3 })).toBe('unsupported schema_version 3 (this ragmeter reads schema_version 1 and 2)');
  });

  it('still reads version-1 reports (older baselines), each version against its own schema', () => {
    const v1 = versionOneReport(pipelineReport());
    expect(checkReport(v1)).toEqual({ ok: true, report: v1 });
    expect(problemOf({ ...v1, cost: { total_usd: 0, unpriced_operations: 0 } })).toContain("must NOT have additional properties 'cost'");
    const { cost: _dropped, ...v2WithoutCost } = pipelineReport();
    expect(problemOf(v2WithoutCost)).toContain("must have required property 'cost'");
  });

  it('names the missing field and where it is missing', () => {
    const value = pipelineReport();
    delete (value.operations.llm_inference!.duration as Partial<DurationSummary>).p95;
    expect(problemOf(value)).toContain("/operations/llm_inference/duration must have required property 'p95'");
  });

  it('names unexpected fields and bad values', () => {
    const value = { ...pipelineReport(), extra: true, timestamp: 'yesterday' };
    const problem = problemOf(value);
    expect(problem).toContain("(top level) must NOT have additional properties 'extra'");
    expect(problem).toContain('/timestamp must match format "date-time"');
  });

  it('summarises long lists of problems', () => {
    const value = pipelineReport();
    for (const op of Object.values(value.operations)) {
      Object.assign(op, { total: -1, failed: -1, successful: -1 });
    }
    expect(problemOf(value)).toMatch(/and \d+ more$/);
  });
});
