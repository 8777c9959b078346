import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_OPERATION_TYPE } from '../src/instruments.js';
import { OperationType } from '../src/operation-type.js';
import { tick, useSpanMonitors, useWarningSpy } from './helpers/monitors.js';

const newMonitor = useSpanMonitors();
useWarningSpy();

class VectorStoreError extends Error {}

const byName = (spans: ReadableSpan[], name: string): ReadableSpan[] => spans.filter((s) => s.name === name);
const only = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = byName(spans, name);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const parentId = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe('spans', () => {
  it('one span per operation, named after the type, with rag.operation.type and the user attributes', async () => {
    const { monitor, spans } = newMonitor();
    monitor.track(OperationType.DOCUMENT_RETRIEVAL, { top_k: 5, retriever: 'faiss' }, () => undefined);
    const span = only(spans(), 'document_retrieval');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes[ATTR_OPERATION_TYPE]).toBe('document_retrieval');
    expect(span.attributes.top_k).toBe(5);
    expect(span.attributes.retriever).toBe('faiss');
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(span.instrumentationScope.name).toBe('@ragmeter/sdk');
  });

  it('nests track() calls across await: children of the enclosing operation', async () => {
    const { monitor, spans } = newMonitor();
    await monitor.track(OperationType.QUERY_PROCESSING, async () => {
      await tick();
      await monitor.track(OperationType.DOCUMENT_RETRIEVAL, async () => {
        await tick();
        monitor.track(OperationType.RERANKING, () => undefined);
      });
      await tick();
      await monitor.track(OperationType.LLM_INFERENCE, async () => tick());
    });
    const all = spans();
    expect(all).toHaveLength(4);
    const query = only(all, 'query_processing');
    const retrieval = only(all, 'document_retrieval');
    const rerank = only(all, 'reranking');
    const llm = only(all, 'llm_inference');
    expect(parentId(query)).toBeUndefined();
    expect(parentId(retrieval)).toBe(query.spanContext().spanId);
    expect(parentId(llm)).toBe(query.spanContext().spanId);
    expect(parentId(rerank)).toBe(retrieval.spanContext().spanId);
    for (const s of all) expect(s.spanContext().traceId).toBe(query.spanContext().traceId);
    // a child runs within its parent, so it cannot last longer (each span's own start and end
    // come from one monotonic clock; comparing times across spans would not be exact)
    for (const [child, parent] of [[retrieval, query], [llm, query], [rerank, retrieval]] as const) {
      expect(hrTimeToMilliseconds(child.duration)).toBeLessThanOrEqual(hrTimeToMilliseconds(parent.duration));
    }
  });

  it("trackOperation()'s span is a child of the active span, but is not made active itself", async () => {
    const { monitor, spans } = newMonitor();
    await monitor.track(OperationType.QUERY_PROCESSING, async () => {
      const op = monitor.trackOperation(OperationType.EMBEDDING_GENERATION);
      await tick();
      monitor.track(OperationType.DOCUMENT_RETRIEVAL, () => undefined);
      op.end();
    });
    const all = spans();
    const query = only(all, 'query_processing');
    expect(parentId(only(all, 'embedding_generation'))).toBe(query.spanContext().spanId);
    expect(parentId(only(all, 'document_retrieval'))).toBe(query.spanContext().spanId);
  });

  it('trackOperation() outside any operation starts a root span', () => {
    const { monitor, spans } = newMonitor();
    monitor.trackOperation(OperationType.RERANKING).end();
    expect(parentId(only(spans(), 'reranking'))).toBeUndefined();
  });

  it('a failure sets status ERROR, an exception event and error.type (sync and async)', async () => {
    const { monitor, spans } = newMonitor();
    const syncError = new VectorStoreError('index offline');
    expect(() =>
      monitor.track(OperationType.DOCUMENT_RETRIEVAL, () => {
        throw syncError;
      }),
    ).toThrow(syncError);
    const asyncError = new TypeError('bad embedding');
    await expect(
      monitor.track(OperationType.EMBEDDING_GENERATION, async () => {
        await tick();
        throw asyncError;
      }),
    ).rejects.toBe(asyncError);

    for (const [name, error, type] of [
      ['document_retrieval', syncError, 'VectorStoreError'],
      ['embedding_generation', asyncError, 'TypeError'],
    ] as const) {
      const span = only(spans(), name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toBe(error.message);
      expect(span.attributes[ATTR_ERROR_TYPE]).toBe(type);
      const exception = span.events.find((e) => e.name === 'exception');
      expect(exception?.attributes?.['exception.message']).toBe(error.message);
      expect(exception?.attributes?.['exception.stacktrace']).toBe(error.stack);
    }
  });

  it('op.fail(err) marks the span failed without an exception escaping', () => {
    const { monitor, spans } = newMonitor();
    const op = monitor.trackOperation(OperationType.RERANKING);
    op.fail(new RangeError('scores out of range'));
    const span = only(spans(), 'reranking');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe('RangeError');
  });

  it('token counts and the memory delta go on the span', () => {
    const { monitor, spans } = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.setTokens({ input: 12, output: 34 });
    op.end();
    const span = only(spans(), 'llm_inference');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(12);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(34);
    expect(typeof span.attributes['rag.operation.memory_delta_bytes']).toBe('number');
  });

  it('op.setAttribute() adds to the span until the operation ends', () => {
    const { monitor, spans } = newMonitor();
    const op = monitor.trackOperation(OperationType.DOCUMENT_RETRIEVAL);
    op.setAttribute('hits', 3);
    op.end();
    op.setAttribute('late', true);
    const span = only(spans(), 'document_retrieval');
    expect(span.attributes.hits).toBe(3);
    expect(span.attributes.late).toBeUndefined();
  });

  it('markFirstToken() adds a gen_ai.first_token event', () => {
    const { monitor, spans } = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.markFirstToken();
    op.end();
    const span = only(spans(), 'llm_inference');
    expect(span.events.map((e) => e.name)).toContain('gen_ai.first_token');
    expect(span.attributes['rag.operation.time_to_first_token_seconds']).toBeGreaterThanOrEqual(0);
  });

  it('tracing: false creates no spans, and metrics still count', async () => {
    const { monitor, spans } = newMonitor({ tracing: false });
    await monitor.track(OperationType.QUERY_PROCESSING, async () => {
      monitor.trackOperation(OperationType.RERANKING).end();
      monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1 });
    });
    expect(spans()).toHaveLength(0);
    expect(monitor.tracerProvider).toBeUndefined();
    expect(await monitor.getOperationCount()).toBe(3);
  });

  it('recordOperation() creates a span whose start is set back by the duration', () => {
    const { monitor, spans } = newMonitor();
    const before = Date.now();
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 2.5, inputTokens: 9, attributes: { model: 'm' } });
    const after = Date.now();
    const span = only(spans(), 'llm_inference');
    expect(hrTimeToMilliseconds(span.duration)).toBeCloseTo(2500, 3);
    const end = hrTimeToMilliseconds(span.endTime);
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end).toBeLessThanOrEqual(after);
    expect(span.attributes.model).toBe('m');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(9);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a failed recordOperation() span carries status ERROR and its error type', () => {
    const { monitor, spans } = newMonitor();
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 0.1, success: false, errorType: 'Timeout' });
    const span = only(spans(), 'reranking');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe('Timeout');
  });

  it('recordOperation() inside track() nests under the active operation', () => {
    const { monitor, spans } = newMonitor();
    monitor.track(OperationType.QUERY_PROCESSING, () => {
      monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 0.3 });
    });
    expect(parentId(only(spans(), 'llm_inference'))).toBe(only(spans(), 'query_processing').spanContext().spanId);
  });

  it('touches nothing global: with no app context manager the OTel API sees no active span, yet operations nest', () => {
    const { monitor, spans } = newMonitor();
    let insideSpanId: string | undefined = 'unset';
    monitor.track(OperationType.RERANKING, () => {
      monitor.trackOperation('inner_step').end();
      insideSpanId = trace.getActiveSpan()?.spanContext().spanId;
    });
    expect(insideSpanId).toBeUndefined();
    expect(parentId(only(spans(), 'inner_step'))).toBe(only(spans(), 'reranking').spanContext().spanId);
  });

  it('truncates long string attributes and drops non-primitive ones from the span', () => {
    const { monitor, spans } = newMonitor({ maxAttributeValueLength: 10 });
    monitor.track(
      OperationType.DOCUMENT_RETRIEVAL,
      { query: 'x'.repeat(50), tags: ['abcdefghijklmno', 'b'], nested: { a: 1 } as never, mixed: [1, 'a'] as never },
      () => undefined,
    );
    const span = only(spans(), 'document_retrieval');
    expect(span.attributes.query).toBe('x'.repeat(10));
    expect(span.attributes.tags).toEqual(['abcdefghij', 'b']);
    expect(span.attributes.nested).toBeUndefined();
    expect(span.attributes.mixed).toBeUndefined();
  });
});
