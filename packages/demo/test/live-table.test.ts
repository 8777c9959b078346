import { OperationType, type OperationReport, type Report } from '@ragmeter/sdk';
import { formatWorkload, renderLiveTable } from '../src/live-table';

function op(total: number, failed: number, p50: number): OperationReport {
  return {
    total,
    successful: total - failed,
    failed,
    error_rate: total === 0 ? 0 : failed / total,
    duration: { min: p50 / 2, max: p50 * 4, avg: p50, p50, p95: p50 * 2, p99: p50 * 3 },
    tokens: { total: 0, avg: 0, input: 0, output: 0 },
    memory_delta_mb: { total: 0, avg: 0 },
  };
}

function report(operations: Record<string, OperationReport>): Report {
  return {
    schema_version: 2,
    timestamp: '2026-01-01T00:00:00.000Z',
    window_seconds: null,
    total_operations: Object.values(operations).reduce((n, o) => n + o.total, 0),
    memory: { current_rss_mb: 1, min_rss_mb: 1, max_rss_mb: 1, avg_rss_mb: 1, heap_used_mb: 1, samples: 1 },
    operations,
    health: { status: 'healthy', memory_mb: 1, total_operations: 0, issues: [] },
    dropped: { total: 0, by_reason: {} },
    cost: {
      total_usd: Object.values(operations).reduce((n, o) => n + (o.cost?.total_usd ?? 0), 0),
      unpriced_operations: Object.values(operations).reduce((n, o) => n + (o.cost?.unpriced_operations ?? 0), 0),
    },
  };
}

describe('renderLiveTable', () => {
  it('lists operation types in pipeline order with error rate and percentiles', () => {
    const text = renderLiveTable(
      report({
        [OperationType.QUERY_PROCESSING]: op(40, 1, 0.004),
        [OperationType.PDF_LOADING]: op(6, 0, 0.05),
        my_custom_stage: op(2, 0, 0.001),
        [OperationType.LLM_INFERENCE]: op(39, 1, 0.002),
        [OperationType.DOCUMENT_RETRIEVAL]: op(40, 2, 0.0001),
      }),
      12.4,
    );
    const rows = text.split('\n').filter((l) => /^[a-z_]+\s+\d/.test(l));
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([
      'pdf_loading',
      'document_retrieval',
      'llm_inference',
      'query_processing',
      'my_custom_stage',
    ]);
    const retrieval = rows[1]!.split(/\s+/);
    expect(retrieval).toEqual(['document_retrieval', '40', '5.0%', '100µs', '200µs', '300µs', '-', '-']);
    expect(text).toContain('ragmeter demo  12s');
  });

  it('shows what each stage cost, and how many operations could not be priced', () => {
    const llm = { ...op(10, 0, 0.5), cost: { total_usd: 0.012, avg_usd: 0.0012, unpriced_operations: 0 } };
    const embed = { ...op(20, 0, 0.01), cost: { total_usd: 0, avg_usd: 0, unpriced_operations: 20 } };
    const text = renderLiveTable(report({ [OperationType.LLM_INFERENCE]: llm, [OperationType.EMBEDDING_GENERATION]: embed }), 5);
    const row = (type: string) => text.split('\n').find((l) => l.startsWith(type))!.split(/\s+/);
    expect(row('llm_inference').slice(-2)).toEqual(['$0.0120', '$0.00120']);
    expect(row('embedding_generation').slice(-2)).toEqual(['unpriced', 'unpriced']);
    expect(text).toContain('20 operations unpriced');
  });

  it('says so when nothing has been recorded yet', () => {
    expect(renderLiveTable(report({}), 0)).toContain('(no operations yet)');
  });
});

describe('formatWorkload', () => {
  it('shows the rate, HTTP outcomes and citation accuracy', () => {
    const line = formatWorkload(
      { sent: 50, byStatus: { '504': 2, '200': 47, error: 1 }, skipped: 0, correctTopSource: 45, answeredOnTopic: 46 },
      10,
    );
    expect(line).toBe(
      'workload: 50 queries (5.0/s)  [200: 47, 504: 2, error: 1]  top source = expected document: 97.8 %',
    );
  });
});
