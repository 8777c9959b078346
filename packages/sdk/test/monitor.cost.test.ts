import { useMonitors, useSpanMonitors, useWarningSpy } from './helpers/monitors.js';
import { find, parsePrometheusText } from './helpers/prometheus-text.js';

const newMonitor = useMonitors();
const newSpanMonitor = useSpanMonitors();
useWarningSpy();

/** $2 input, $0.50 cached input, $8 output per million tokens. */
const ACME = { 'acme-llm': { inputPerMillionTokens: 2, outputPerMillionTokens: 8, cachedInputPerMillionTokens: 0.5 } };
/** As ACME, and $2.50 per million tokens written to the prompt cache. */
const ACME_CACHE = { 'acme-llm': { ...ACME['acme-llm'], cacheWriteInputPerMillionTokens: 2.5 } };

describe('cost per operation type', () => {
  it('with a custom price, generateReport() gives the exact cost per type', async () => {
    const monitor = newMonitor({ pricing: ACME });
    for (let i = 0; i < 3; i++) {
      monitor.recordOperation({
        type: 'llm_inference',
        durationSeconds: 0.5,
        inputTokens: 1000,
        outputTokens: 500,
        cachedInputTokens: 200,
        attributes: { 'gen_ai.request.model': 'acme-llm' },
      });
    }
    monitor.recordOperation({ type: 'embedding_generation', durationSeconds: 0.1, tokens: 3000, attributes: { 'gen_ai.request.model': 'acme-llm' } });
    const report = await monitor.generateReport();
    // one llm call: 800 × $2 + 200 × $0.50 + 500 × $8 per million = $0.0057
    expect(report.operations.llm_inference!.cost!.total_usd).toBeCloseTo(3 * 0.0057, 12);
    expect(report.operations.llm_inference!.cost!.avg_usd).toBeCloseTo(0.0057, 12);
    expect(report.operations.llm_inference!.cost!.unpriced_operations).toBe(0);
    // a total without split is priced as input: 3000 × $2 per million
    expect(report.operations.embedding_generation!.cost).toEqual({ total_usd: expect.closeTo(0.006, 12), avg_usd: expect.closeTo(0.006, 12), unpriced_operations: 0 });
    expect(report.cost!.total_usd).toBeCloseTo(3 * 0.0057 + 0.006, 12);
    const stats = await monitor.getOperationStats('llm_inference');
    expect([stats.pricedOperations, stats.unpricedOperations]).toEqual([3, 0]);
    expect(stats.totalCostUsd).toBeCloseTo(3 * 0.0057, 12);
  });

  it('prices current OpenAI and Anthropic models out of the box, dated names by their family', async () => {
    const monitor = newMonitor();
    const call = (model: string) =>
      monitor.track('llm_inference', { 'gen_ai.request.model': model }, (op) => {
        op.setUsage({ prompt_tokens: 1_000_000, completion_tokens: 1_000_000 });
      });
    call('gpt-4o-2024-08-06'); // $2.50 + $10
    call('claude-sonnet-4-5-20250929'); // $3 + $15
    const cost = (await monitor.generateReport()).operations.llm_inference!.cost!;
    expect(cost.total_usd).toBeCloseTo(12.5 + 18, 9);
    expect(cost.avg_usd).toBeCloseTo((12.5 + 18) / 2, 9);
  });

  it("takes cached input tokens from OpenAI's usage, and the response model over the requested one", async () => {
    const monitor = newMonitor({ pricing: ACME });
    monitor.track('llm_inference', { 'gen_ai.request.model': 'some-alias', 'gen_ai.response.model': 'acme-llm-2026-01-01' }, (op) => {
      op.setUsage({ prompt_tokens: 1000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 200 } });
    });
    monitor.track('llm_inference', { 'gen_ai.request.model': 'acme-llm' }, (op) => {
      op.setUsage({ input_tokens: 1000, output_tokens: 0, input_tokens_details: { cached_tokens: 1000 } });
    });
    const cost = (await monitor.generateReport()).operations.llm_inference!.cost!;
    expect(cost.total_usd).toBeCloseTo(0.0057 + 0.0005, 12);
    expect(cost.unpriced_operations).toBe(0);
  });

  it("takes Anthropic's usage: cache reads and writes are input tokens, each priced at its own rate", async () => {
    const monitor = newMonitor({ pricing: ACME_CACHE });
    monitor.track('llm_inference', { 'gen_ai.request.model': 'acme-llm' }, (op) => {
      op.setUsage({ input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 });
    });
    monitor.track('llm_inference', { 'gen_ai.request.model': 'acme-llm' }, (op) => {
      op.setUsage({ input_tokens: 100, output_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: 0 });
    });
    const report = (await monitor.generateReport()).operations.llm_inference!;
    expect(report.tokens.input).toBe(1150 + 100);
    // 100 input at $2, 1000 cache reads at $0.50, 50 cache writes at $2.50, 10 output at $8 per
    // million; then 100 input and 10 output
    expect(report.cost!.total_usd).toBeCloseTo((100 * 2 + 1000 * 0.5 + 50 * 2.5 + 10 * 8 + 100 * 2 + 10 * 8) / 1e6, 15);
  });

  it("takes LangChain's usage_metadata: input_tokens counts the cache reads and writes of input_token_details", async () => {
    const monitor = newMonitor({ pricing: ACME_CACHE });
    monitor.track('llm_inference', { 'gen_ai.request.model': 'acme-llm' }, (op) => {
      op.setUsage({ input_tokens: 1150, output_tokens: 10, total_tokens: 1160, input_token_details: { cache_read: 1000, cache_creation: 50 } });
    });
    const report = (await monitor.generateReport()).operations.llm_inference!;
    expect(report.tokens.input).toBe(1150);
    expect(report.cost!.total_usd).toBeCloseTo((100 * 2 + 1000 * 0.5 + 50 * 2.5 + 10 * 8) / 1e6, 15);
  });

  it('prices Anthropic cache writes out of the box at 1.25x the input price', async () => {
    const monitor = newMonitor();
    monitor.track('llm_inference', { 'gen_ai.request.model': 'claude-sonnet-4-5-20250929' }, (op) => {
      op.setUsage({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 1_000_000, cache_read_input_tokens: 1_000_000 });
    });
    // $3 input per million: writes $3.75, reads $0.30
    expect((await monitor.generateReport()).cost!.total_usd).toBeCloseTo(3.75 + 0.3, 12);
  });

  it('recordOperation() takes cache writes; both kinds of cache tokens go on the span', async () => {
    const { monitor, spans } = newSpanMonitor({ pricing: ACME_CACHE });
    const attributes = { 'gen_ai.request.model': 'acme-llm' };
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 1000, cachedInputTokens: 200, cacheWriteInputTokens: 300, attributes });
    monitor.track('llm_inference', attributes, (op) => op.setTokens({ input: 1000, cachedInput: 200, cacheWriteInput: 300 }));
    // 500 × $2 + 200 × $0.50 + 300 × $2.50 per million, each
    const usd = (500 * 2 + 200 * 0.5 + 300 * 2.5) / 1e6;
    expect((await monitor.generateReport()).cost!.total_usd).toBeCloseTo(2 * usd, 15);
    for (const span of spans()) {
      expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(200);
      expect(span.attributes['gen_ai.usage.cache_creation.input_tokens']).toBe(300);
      expect(span.attributes['rag.operation.cost_usd']).toBeCloseTo(usd, 15);
    }
    expect(spans()).toHaveLength(2);
  });

  it('an operation whose model has no price adds nothing and is counted as unpriced', async () => {
    const monitor = newMonitor({ pricing: ACME });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.2, inputTokens: 1000, outputTokens: 1000, attributes: { 'gen_ai.request.model': 'acme-llm' } });
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.2, inputTokens: 1000, outputTokens: 1000, attributes: { 'gen_ai.request.model': 'in-house-7b' } });
    monitor.recordOperation({ type: 'reranking', durationSeconds: 0.2, tokens: 50, attributes: { 'gen_ai.request.model': 'in-house-reranker' } });
    monitor.recordOperation({ type: 'document_retrieval', durationSeconds: 0.01 });
    const report = await monitor.generateReport();
    // the priced one: 1000 × $2 + 1000 × $8 per million; the unpriced one is not averaged in as 0
    expect(report.operations.llm_inference!.cost).toEqual({ total_usd: expect.closeTo(0.01, 12), avg_usd: expect.closeTo(0.01, 12), unpriced_operations: 1 });
    expect(report.operations.reranking!.cost).toEqual({ total_usd: 0, avg_usd: 0, unpriced_operations: 1 });
    expect(report.operations.document_retrieval!.cost).toBeUndefined();
    expect(report.cost).toEqual({ total_usd: expect.closeTo(0.01, 12), unpriced_operations: 2 });
  });

  it('over a recent window, and reset by clearMetrics()', async () => {
    const monitor = newMonitor({ pricing: ACME });
    const op = { type: 'llm_inference', durationSeconds: 0.1, inputTokens: 500_000, attributes: { 'gen_ai.request.model': 'acme-llm' } };
    monitor.recordOperation(op);
    expect((await monitor.generateReport({ windowSeconds: 60 })).operations.llm_inference!.cost!.total_usd).toBeCloseTo(1, 12);
    monitor.clearMetrics();
    monitor.recordOperation(op);
    monitor.recordOperation(op);
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.cost!.total_usd).toBeCloseTo(2, 12);
    expect(report.operations.llm_inference!.total).toBe(2);
  });

  it('puts the cost on the span', async () => {
    const { monitor, spans } = newSpanMonitor({ pricing: ACME });
    // setTokens with a cached count of 0: all 250k input tokens at $2 per million
    monitor.track('llm_inference', { 'gen_ai.request.model': 'acme-llm' }, (op) => op.setTokens({ input: 250_000, output: 0, cachedInput: 0 }));
    expect(spans()[0]!.attributes['rag.operation.cost_usd']).toBeCloseTo(0.5, 12);
  });

  it('/metrics has rag_operation_cost_USD_total and rag_operation_unpriced_total by type and price-table entry', async () => {
    const monitor = newMonitor({ prometheus: { port: 0 }, pricing: ACME });
    for (const model of ['acme-llm-2026-01-01', 'acme-llm', 'mystery-llm']) {
      monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 1_000_000, outputTokens: 0, attributes: { 'gen_ai.request.model': model } });
    }
    const exposition = parsePrometheusText(await (await fetch(`${await monitor.serverUrl()}/metrics`)).text());
    expect(exposition.types.get('rag_operation_cost_USD_total')).toBe('counter');
    const cost = find(exposition, 'rag_operation_cost_USD_total');
    expect(cost.map((s) => [s.labels.rag_operation_type, s.labels.rag_cost_model, s.value])).toEqual([['llm_inference', 'acme-llm', 4]]);
    expect(find(exposition, 'rag_operation_priced_total', { rag_cost_model: 'acme-llm' })[0]!.value).toBe(2);
    const unpriced = find(exposition, 'rag_operation_unpriced_total');
    expect(unpriced.map((s) => [s.labels.rag_operation_type, s.labels.rag_cost_model, s.value])).toEqual([['llm_inference', 'mystery-llm', 1]]);
  });

  it('cost series stay under the cardinality limit: past it, the model label is dropped and counted, the cost kept', async () => {
    const monitor = newMonitor({ prometheus: { port: 0 }, cardinalityLimit: 50 });
    for (let i = 0; i < 200; i++) {
      monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 10, attributes: { 'gen_ai.request.model': `unknown-${i}` } });
    }
    const exposition = parsePrometheusText(await (await fetch(`${await monitor.serverUrl()}/metrics`)).text());
    const unpriced = find(exposition, 'rag_operation_unpriced_total');
    expect(unpriced.length).toBeLessThan(50);
    expect(unpriced.reduce((n, s) => n + s.value, 0)).toBe(200);
    expect(unpriced.some((s) => s.labels.rag_cost_model === undefined)).toBe(true);
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.cost!.unpriced_operations).toBe(200);
    expect(report.dropped.by_reason.cardinality_limit).toBeGreaterThan(0);
  });

  it('invalid cached token counts are dropped and counted, the operation kept', async () => {
    const monitor = newMonitor({ pricing: ACME_CACHE });
    const attributes = { 'gen_ai.request.model': 'acme-llm' };
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 1_000_000, cachedInputTokens: -5, attributes });
    monitor.track('llm_inference', attributes, (op) => op.setTokens({ input: 1_000_000, cachedInput: NaN }));
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 0.1, inputTokens: 1_000_000, cacheWriteInputTokens: -1, attributes });
    monitor.track('llm_inference', attributes, (op) => op.setTokens({ input: 1_000_000, cacheWriteInput: Infinity }));
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.cost!.total_usd).toBeCloseTo(8, 12);
    expect(report.dropped.by_reason.invalid_token_count).toBe(4);
  });
});
