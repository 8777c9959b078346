import fc from 'fast-check';
import {
  BREAKDOWN_TABLE_HEADER,
  OPERATION_TABLE_HEADER,
  breakdownRows,
  formatDuration,
  formatNumber,
  formatReport,
  formatTable,
  formatUsd,
  operationRows,
} from '../../src/report/format.js';
import type { Report } from '../../src/report/types.js';
import { expectValidReport } from '../helpers/report-schema.js';

function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    schema_version: 2,
    timestamp: '2026-01-21T12:22:30.000Z',
    window_seconds: null,
    total_operations: 26,
    memory: { current_rss_mb: 28.64, min_rss_mb: 27.5, max_rss_mb: 30.15, avg_rss_mb: 28.75, heap_used_mb: 12, samples: 9 },
    operations: {
      document_retrieval: {
        total: 1,
        successful: 1,
        failed: 0,
        error_rate: 0,
        duration: { min: 0.0004, max: 0.0004, avg: 0.0004, p50: 0.0004, p95: 0.0004, p99: 0.0004 },
        tokens: { total: 0, avg: 0, input: 0, output: 0 },
        memory_delta_mb: { total: -1.234, avg: -1.234 },
      },
      llm_inference: {
        total: 25,
        successful: 24,
        failed: 1,
        error_rate: 0.04,
        duration: { min: 0.5, max: 2.3, avg: 1.2, p50: 1.1, p95: 2.0, p99: 2.2 },
        tokens: { total: 3750, avg: 150, input: 3000, output: 750 },
        memory_delta_mb: { total: 1.5, avg: 0.06 },
        cost: { total_usd: 0.0345, avg_usd: 0.0015, unpriced_operations: 2 },
      },
    },
    health: { status: 'healthy', memory_mb: 28.64, total_operations: 26, issues: [] },
    dropped: { total: 0, by_reason: {} },
    cost: { total_usd: 0.0345, unpriced_operations: 2 },
    ...overrides,
  };
}

describe('formatDuration', () => {
  it.each([
    [0, '0'],
    [0.000_001_5, '1.50µs'],
    [0.000_85, '850µs'],
    [0.005, '5.00ms'],
    [0.0123, '12.3ms'],
    [0.5, '500.0ms'],
    [1.25, '1.25s'],
    [59.5, '59.50s'],
    [125, '2m05s'],
    [3600, '60m00s'],
    [-0.5, '-500.0ms'],
    [-125, '-2m05s'],
    [NaN, '-'],
    [Infinity, '-'],
  ])('%p s -> %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('carries rounded seconds into the minutes (never "1m60s")', () => {
    expect(formatDuration(119.6)).toBe('2m00s');
    expect(formatDuration(179.5)).toBe('3m00s');
    expect(formatDuration(-119.6)).toBe('-2m00s');
  });

  it('never shows a number that belongs to the next unit (1000µs, 1000.0ms, 60.00s)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-7, max: 1e5, noNaN: true }), (seconds) => {
        const text = formatDuration(seconds);
        const m = /^(\d+(?:\.\d+)?)(µs|ms|s)$/.exec(text);
        if (m !== null) {
          const limit = m[2] === 's' ? 60 : 1000;
          expect(Number(m[1])).toBeLessThan(limit);
        } else {
          expect(text).toMatch(/^\d+m[0-5]\ds$/);
        }
      }),
      { numRuns: 500 },
    );
    for (const s of [0.000_999_9, 0.999_99, 59.999]) expect(formatDuration(s)).not.toMatch(/^(1000|60\.00)/);
  });

  it('is monotonic within a unit: larger durations never print smaller', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const parse = (t: string): number => {
          const m = /^(?:(\d+)m(\d+)s|([\d.]+)(µs|ms|s))$/.exec(t)!;
          if (m[1] !== undefined) return Number(m[1]) * 60 + Number(m[2]);
          return Number(m[3]) * { µs: 1e-6, ms: 1e-3, s: 1 }[m[4] as 'µs' | 'ms' | 's'];
        };
        expect(parse(formatDuration(lo))).toBeLessThanOrEqual(parse(formatDuration(hi)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatNumber', () => {
  it('integers with thousands separators, others with the given decimals', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(150)).toBe('150');
    expect(formatNumber(2.25)).toBe('2.3');
    expect(formatNumber(1234.5678, 2)).toBe('1,234.57');
    expect(formatNumber(-1.234, 2)).toBe('-1.23');
    expect(formatNumber(NaN)).toBe('-');
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '$0'],
    [1234.5, '$1,234.50'],
    [1, '$1.00'],
    [0.0345, '$0.0345'],
    [0.0015, '$0.00150'],
    [0.000_012_34, '$0.0000123'],
    [1e-9, '$0.00000000100'],
    [NaN, '-'],
  ])('%p -> %p', (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });

  it('keeps 3 significant digits below a cent, without exponent notation', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 0.0099, noNaN: true }), (usd) => {
        const text = formatUsd(usd);
        expect(text).toMatch(/^\$0\.\d+$/);
        expect(Math.abs(Number(text.slice(1)) - usd) / usd).toBeLessThan(0.006);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatTable', () => {
  it('pads every column to its widest cell: first left-aligned, the rest right-aligned', () => {
    const table = formatTable(['name', 'n'], [['a', '1'], ['longer', '12345']]);
    expect(table.split('\n')).toEqual(['name        n', '------  -----', 'a           1', 'longer  12345']);
  });

  it('prints a header and rule with no rows', () => {
    expect(formatTable(['a', 'bb'], [])).toBe('a  bb\n-  --');
  });
});

describe('operationRows / formatReport', () => {
  it('one row per type with formatted figures', () => {
    const report = sampleReport();
    expectValidReport(report);
    expect(operationRows(report)).toEqual([
      ['document_retrieval', '1', '0', '0.0', '400µs', '400µs', '400µs', '400µs', '400µs', '0', '0', '-1.23', '-', '-'],
      ['llm_inference', '25', '1', '4.0', '1.10s', '2.00s', '2.20s', '1.20s', '2.30s', '3,750', '150', '1.50', '$0.0345', '$0.00150'],
    ]);
    expect(OPERATION_TABLE_HEADER).toHaveLength(operationRows(report)[0]!.length);
  });

  it('the whole report: summary, aligned table and health', () => {
    const text = formatReport(sampleReport());
    const lines = text.split('\n');
    expect(lines[0]).toBe('ragmeter report  2026-01-21T12:22:30.000Z  (since start)');
    expect(lines[1]).toBe('operations: 26   RSS MB: current 28.6, min 27.5, max 30.1, avg 28.8');
    expect(lines[2]).toBe('cost: $0.0345   (2 operations unpriced: no price for their model)');
    expect(lines[4]).toMatch(/^operation\s+count\s+failed\s+err%\s+p50\s+p95\s+p99\s+avg\s+max\s+tokens\s+tok\/op\s+memΔ MB\s+cost\s+cost\/op$/);
    expect(lines[5]).toMatch(/^-+( +-+){13}$/);
    expect(lines[6]).toMatch(/^document_retrieval\s+1\s+0\s+0\.0\s.*\s-\s+-$/);
    expect(lines[7]).toMatch(/^llm_inference\s+25\s+1\s+4\.0\s+1\.10s\s+2\.00s\s+2\.20s\s+1\.20s\s+2\.30s\s+3,750\s+150\s+1\.50\s+\$0\.0345\s+\$0\.00150$/);
    // every table line has the same width up to its last column
    expect(new Set(lines.slice(4, 8).map((l) => l.length)).size).toBe(1);
    expect(text).toContain('\nhealth: healthy\n');
    expect(text).not.toContain('dropped');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says unpriced, not $0, for a type none of whose models had a price', () => {
    const report = sampleReport();
    report.operations.llm_inference!.cost = { total_usd: 0, avg_usd: 0, unpriced_operations: 25 };
    expect(operationRows(report)[1]!.slice(-2)).toEqual(['unpriced', 'unpriced']);
  });

  it('says nothing of cost when no operation had a model', () => {
    const { llm_inference, document_retrieval } = sampleReport().operations;
    const { cost: _omitted, ...noCost } = llm_inference!;
    const text = formatReport(sampleReport({ operations: { document_retrieval: document_retrieval!, llm_inference: noCost }, cost: { total_usd: 0, unpriced_operations: 0 } }));
    expect(text).not.toMatch(/^cost:/m);
  });

  it('an empty report says so', () => {
    const text = formatReport(sampleReport({ operations: {}, total_operations: 0 }));
    expect(text).toContain('(no operations recorded)');
    expect(text).not.toContain('operation  ');
  });

  it('shows the window, health issues and drops', () => {
    const text = formatReport(
      sampleReport({
        window_seconds: 60,
        health: { status: 'warning', memory_mb: 1, total_operations: 26, issues: ['High memory: RSS 1.0 MB > 0.5 MB'] },
        dropped: { total: 3, by_reason: { invalid_duration: 1, invalid_operation_type: 2 } },
      }),
    );
    expect(text.split('\n')[0]).toMatch(/\(last 60s\)$/);
    expect(text).toContain('health: warning\n  - High memory: RSS 1.0 MB > 0.5 MB\n');
    expect(text).toContain('dropped: 3 (invalid_duration=1, invalid_operation_type=2)\n');
  });
});

describe('breakdownRows / formatReport: where the time goes', () => {
  const breakdown = {
    query_processing: {
      self: { share: 0.1, avg_seconds: 0.12 },
      document_retrieval: { share: 0.3, avg_seconds: 0.36 },
      llm_inference: { share: 0.6, avg_seconds: 0.72 },
    },
    document_retrieval: { self: { share: 0.75, avg_seconds: 0.27 }, embedding_generation: { share: 0.25, avg_seconds: 0.09 } },
  };

  it('a row per parent, then its parts indented, the largest share first', () => {
    expect(breakdownRows(sampleReport({ breakdown }))).toEqual([
      ['query_processing', '', ''],
      ['  llm_inference', '60.0%', '720.0ms'],
      ['  document_retrieval', '30.0%', '360.0ms'],
      ['  self', '10.0%', '120.0ms'],
      ['document_retrieval', '', ''],
      ['  self', '75.0%', '270.0ms'],
      ['  embedding_generation', '25.0%', '90.0ms'],
    ]);
    expect(BREAKDOWN_TABLE_HEADER).toHaveLength(3);
  });

  it('formatReport() prints the table after the operations, and nothing when there is no breakdown', () => {
    const report = sampleReport({ breakdown });
    expectValidReport(report);
    const text = formatReport(report);
    const at = text.indexOf('where the time goes');
    expect(at).toBeGreaterThan(text.indexOf('llm_inference'));
    expect(text.slice(at)).toMatch(/\nquery_processing\n {2}llm_inference\s+60\.0%\s+720\.0ms\n/);
    expect(formatReport(sampleReport())).not.toContain('where the time goes');
  });
});
