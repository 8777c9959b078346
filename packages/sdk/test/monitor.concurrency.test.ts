import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OperationType } from '../src/operation-type.js';
import { tick, useSpanMonitors } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useSpanMonitors();

const STAGES = [
  OperationType.PDF_LOADING,
  OperationType.SEMANTIC_CHUNKING,
  OperationType.EMBEDDING_GENERATION,
  OperationType.DOCUMENT_RETRIEVAL,
  OperationType.RERANKING,
  OperationType.LLM_INFERENCE,
] as const;

type Monitor = ReturnType<typeof newMonitor>['monitor'];

/** One RAG request: query_processing wrapping each stage, with real awaits between them. */
async function answer(monitor: Monitor, query: string, id: number): Promise<string> {
  return monitor.track(OperationType.QUERY_PROCESSING, { 'query.id': id }, async () => {
    const text = await monitor.track(OperationType.PDF_LOADING, { 'query.id': id }, async () => {
      await tick();
      return `contents of a pdf about ${query}. `.repeat(20);
    });
    const chunks = monitor.track(OperationType.SEMANTIC_CHUNKING, { 'query.id': id }, () => text.match(/.{1,80}/g) ?? []);
    await monitor.track(OperationType.EMBEDDING_GENERATION, { 'query.id': id }, async (op) => {
      await tick();
      op.setTokensFromText({ input: chunks });
    });
    const docs = await monitor.track(OperationType.DOCUMENT_RETRIEVAL, { 'query.id': id }, async () => {
      await tick();
      return chunks.slice(0, 5);
    });
    const top = await monitor.track(OperationType.RERANKING, { 'query.id': id }, async () => {
      await Promise.resolve();
      return docs.slice(0, 2);
    });
    return monitor.track(OperationType.LLM_INFERENCE, { 'query.id': id, 'gen_ai.request.model': 'test-model' }, async (op) => {
      await tick();
      op.setUsage({ prompt_tokens: 100 + top.length, completion_tokens: 20 });
      return `answer to ${query}`;
    });
  });
}

function expectParentedByQuery(spans: ReadableSpan[]): void {
  const queries = new Map<unknown, ReadableSpan>();
  for (const s of spans) if (s.name === OperationType.QUERY_PROCESSING) queries.set(s.attributes['query.id'], s);
  for (const s of spans) {
    if (s.name === OperationType.QUERY_PROCESSING) {
      expect(s.parentSpanContext).toBeUndefined();
      continue;
    }
    const own = queries.get(s.attributes['query.id'])!;
    expect(own).toBeDefined();
    expect(s.parentSpanContext?.spanId).toBe(own.spanContext().spanId);
    expect(s.spanContext().traceId).toBe(own.spanContext().traceId);
  }
}

describe('a full RAG pipeline', () => {
  it('query_processing wraps pdf_loading, chunking, embedding, retrieval, reranking and llm', async () => {
    const { monitor, spans } = newMonitor();
    const queries = ['vector search', 'bm25', 'chunk sizes', 'reranking models', 'eval sets'];
    for (let i = 0; i < queries.length; i++) {
      expect(await answer(monitor, queries[i]!, i)).toBe(`answer to ${queries[i]}`);
    }
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.total_operations).toBe(queries.length * 7);
    for (const type of [OperationType.QUERY_PROCESSING, ...STAGES]) {
      expect(report.operations[type]).toMatchObject({ total: queries.length, failed: 0 });
    }
    // a query lasts at least as long as any of its stages (each stage ran inside its query)
    const q = report.operations.query_processing!.duration;
    for (const stage of STAGES) {
      expect(q.max).toBeGreaterThanOrEqual(report.operations[stage]!.duration.max);
      expect(q.min).toBeGreaterThanOrEqual(report.operations[stage]!.duration.min);
    }
    expect(report.operations.llm_inference!.tokens).toEqual({ total: 5 * 122, avg: 122, input: 5 * 102, output: 5 * 20 });
    expect(report.operations.embedding_generation!.tokens.input).toBeGreaterThan(0);
    expect(report.health.status).toBe('healthy');

    const all = spans();
    expect(all).toHaveLength(queries.length * 7);
    expect(new Set(all.map((s) => s.spanContext().traceId)).size).toBe(queries.length);
    expectParentedByQuery(all);
  });
});

describe('concurrent tracking', () => {
  it('200 interleaved async requests: exact counts, each stage parented by its own query', async () => {
    const { monitor, spans } = newMonitor();
    const N = 200;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, id) => {
        await tick(id % 3);
        return monitor.track(OperationType.QUERY_PROCESSING, { 'query.id': id }, async () => {
          await monitor.track(OperationType.DOCUMENT_RETRIEVAL, { 'query.id': id }, async () => tick(id % 2));
          await tick();
          try {
            await monitor.track(OperationType.LLM_INFERENCE, { 'query.id': id }, async (op) => {
              await tick((id * 7) % 3);
              op.tokens = id;
              if (id % 10 === 0) throw new Error(`llm failed for ${id}`);
            });
          } catch {
            // the query still succeeds with a fallback answer
          }
          const op = monitor.trackOperation(OperationType.RERANKING, { 'query.id': id });
          await tick();
          op.end();
          return id;
        });
      }),
    );
    expect(results).toEqual(Array.from({ length: N }, (_, i) => i));

    expect(await monitor.getOperationCount()).toBe(4 * N);
    const all = await monitor.getAllStats();
    expect(all.query_processing).toMatchObject({ totalOperations: N, failedOperations: 0 });
    expect(all.document_retrieval).toMatchObject({ totalOperations: N, failedOperations: 0 });
    expect(all.reranking).toMatchObject({ totalOperations: N, failedOperations: 0 });
    expect(all.llm_inference).toMatchObject({ totalOperations: N, failedOperations: N / 10, totalTokens: (N * (N - 1)) / 2 });

    const finished = spans();
    expect(finished).toHaveLength(4 * N);
    expect(new Set(finished.map((s) => s.spanContext().traceId)).size).toBe(N);
    expectParentedByQuery(finished);
    expectValidReport(await monitor.generateReport());
  });

  it('sync and async operations from many tasks: exact counts, failures, min and max', async () => {
    const { monitor } = newMonitor({ tracing: false });
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        monitor.track(OperationType.SEMANTIC_CHUNKING, () => i);
        await tick(i % 2);
        monitor.recordOperation({ type: OperationType.EMBEDDING_GENERATION, durationSeconds: 0.001 * (i + 1), success: i % 4 !== 0 });
      }),
    );
    const s = await monitor.getAllStats();
    expect(s.semantic_chunking!.totalOperations).toBe(100);
    expect(s.embedding_generation).toMatchObject({ totalOperations: 100, failedOperations: 25, minDurationSeconds: 0.001, maxDurationSeconds: 0.1 });
  });
});

describe('degradation and recovery', () => {
  it('a rising failure rate turns health to warning; clearMetrics recovers', async () => {
    const { monitor } = newMonitor({ tracing: false });
    const call = async (fail: boolean): Promise<void> => {
      await monitor
        .track(OperationType.LLM_INFERENCE, async () => {
          await Promise.resolve();
          if (fail) throw new Error('upstream 503');
        })
        .catch(() => undefined);
    };
    for (let i = 0; i < 50; i++) await call(false);
    expect((await monitor.getHealthStatus()).status).toBe('healthy');

    // failures rise: 5 of 55 is 9.1 %, still healthy; 6 of 56 is 10.7 %, warning
    for (let i = 0; i < 5; i++) await call(true);
    expect((await monitor.getHealthStatus()).status).toBe('healthy');
    await call(true);
    const degraded = await monitor.getHealthStatus();
    expect(degraded.status).toBe('warning');
    expect(degraded.issues).toEqual(['High error rate for llm_inference: 10.7% (6/56) > 10.0%']);

    monitor.clearMetrics();
    expect((await monitor.getHealthStatus()).status).toBe('healthy');
    for (let i = 0; i < 20; i++) await call(false);
    const recovered = await monitor.getHealthStatus();
    expect(recovered).toMatchObject({ status: 'healthy', total_operations: 20, issues: [] });
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.operations.llm_inference).toMatchObject({ total: 20, failed: 0 });
  });
});
