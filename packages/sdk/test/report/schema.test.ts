import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/types.js';
import { REPORT_SCHEMA_VERSION } from '../../src/report/types.js';
import { REPORT_SCHEMA_PATH, expectValidReport, reportSchemaErrors } from '../helpers/report-schema.js';

function validReport(): Report {
  return {
    schema_version: 2,
    timestamp: '2026-01-21T12:22:30.000Z',
    window_seconds: null,
    total_operations: 25,
    memory: { current_rss_mb: 28.6, min_rss_mb: 27.5, max_rss_mb: 30.2, avg_rss_mb: 28.8, heap_used_mb: 10.1, samples: 12 },
    operations: {
      llm_inference: {
        total: 25,
        successful: 24,
        failed: 1,
        error_rate: 0.04,
        duration: { min: 0.5, max: 2.3, avg: 1.2, p50: 1.1, p95: 2.0, p99: 2.2 },
        tokens: { total: 3750, avg: 150.0, input: 3000, output: 750 },
        memory_delta_mb: { total: -1.5, avg: -0.06 },
        cost: { total_usd: 0.0345, avg_usd: 0.0015, unpriced_operations: 2 },
      },
    },
    health: { status: 'healthy', memory_mb: 28.6, total_operations: 25, issues: [] },
    dropped: { total: 0, by_reason: {} },
    cost: { total_usd: 0.0345, unpriced_operations: 2 },
  };
}

const DELETE = Symbol('delete');
/** A change to a valid report: the path of the field and its new value (or DELETE). */
type Mutation = [description: string, path: string[], value: unknown];

function mutated(path: string[], value: unknown): unknown {
  const report = JSON.parse(JSON.stringify(validReport())) as Record<string, unknown>;
  let node = report;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return report;
}

describe('report.schema.json', () => {
  it('is a draft 2020-12 schema for the current schema_version, shipped in the package exports', () => {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as { $schema: string; properties: { schema_version: { const: number } } };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.schema_version.const).toBe(REPORT_SCHEMA_VERSION);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      files: string[];
    };
    expect(pkg.exports['./report.schema.json']).toBe('./schema/report.schema.json');
    expect(pkg.files).toContain('schema');
  });

  it('accepts a well-formed report (the design example, with negative memory deltas)', () => {
    expectValidReport(validReport());
    const windowed = { ...validReport(), window_seconds: 300, dropped: { total: 2, by_reason: { invalid_duration: 2 } } };
    expectValidReport(windowed);
  });

  it('accepts the optional instances of a fleet report', () => {
    const list = [
      { job: 'rag-api', instance: '10.0.0.1:9464', total_operations: 20, rss_mb: 80.5 },
      { job: 'rag-api', instance: '10.0.0.2:9464' },
    ];
    expectValidReport({ ...validReport(), instances: { count: 2, list } });
  });

  const llm = ['operations', 'llm_inference'];
  const broken: Mutation[] = [
    ['missing schema_version', ['schema_version'], DELETE],
    ['another schema version', ['schema_version'], 1],
    ['no top-level cost', ['cost'], DELETE],
    ['a negative cost', [...llm, 'cost', 'total_usd'], -0.01],
    ['a fractional unpriced count', [...llm, 'cost', 'unpriced_operations'], 1.5],
    ['a cost without its average', [...llm, 'cost', 'avg_usd'], DELETE],
    ['an unknown cost field', ['cost', 'currency'], 'USD'],
    ['a timestamp that is not a date-time', ['timestamp'], 'yesterday'],
    ['a zero window', ['window_seconds'], 0],
    ['a fractional count', ['total_operations'], 2.5],
    ['a negative count', [...llm, 'failed'], -1],
    ['an error rate over 1', [...llm, 'error_rate'], 1.5],
    ['a negative duration', [...llm, 'duration', 'p95'], -0.1],
    ['a missing percentile', [...llm, 'duration', 'p99'], DELETE],
    ['NaN (serialised as null)', [...llm, 'duration', 'avg'], NaN],
    ['an operation type name outside the pattern', ['operations', 'LLM-Inference'], validReport().operations.llm_inference],
    ['an unknown top-level field', ['extra'], true],
    ['an unknown health status', ['health', 'status'], 'critical'],
    ['issues that are not strings', ['health', 'issues'], [1]],
    ['a fractional drop count', ['dropped', 'by_reason', 'invalid_duration'], 0.5],
    ['negative RSS', ['memory', 'current_rss_mb'], -1],
    ['missing memory samples', ['memory', 'samples'], DELETE],
    ['instances without a list', ['instances'], { count: 1 }],
    ['an instance without its instance label', ['instances'], { count: 1, list: [{ job: 'rag-api' }] }],
    ['an instance with an unknown field', ['instances'], { count: 1, list: [{ job: 'a', instance: 'b', up: true }] }],
  ];

  it.each(broken)('rejects a report with %s', (_, path, value) => {
    expect(reportSchemaErrors(mutated(path, value)).length).toBeGreaterThan(0);
  });

  it('accepts an operation type without cost (none of its operations had a model)', () => {
    expectValidReport(mutated([...llm, 'cost'], DELETE));
  });
});

describe('report-1.schema.json', () => {
  const v1 = (): Record<string, unknown> => {
    const report = JSON.parse(JSON.stringify(validReport())) as Record<string, unknown> & { operations: Record<string, Record<string, unknown>> };
    report.schema_version = 1;
    delete report.cost;
    delete report.operations.llm_inference!.cost;
    return report;
  };
  const validateV1 = (() => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    return ajv.compile(JSON.parse(readFileSync(join(__dirname, '..', '..', 'schema', 'report-1.schema.json'), 'utf8')) as object);
  })();

  it('is kept, and exported, so that version-1 reports (older baselines) stay readable', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./report-1.schema.json']).toBe('./schema/report-1.schema.json');
    expect(validateV1(v1())).toBe(true);
    expect(reportSchemaErrors(v1()).length).toBeGreaterThan(0);
  });

  it('rejects a version-2 report', () => {
    expect(validateV1(JSON.parse(JSON.stringify(validReport())))).toBe(false);
  });
});
