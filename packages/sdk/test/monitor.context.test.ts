import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { METRIC_OPERATION_DURATION } from '../src/instruments.js';
import { CollectingReader, pointsOf, tick, useSpanMonitors, useWarningSpy } from './helpers/monitors.js';

const newSpanMonitor = useSpanMonitors();
const warnings = useWarningSpy();
const warningCodes = (): string[] =>
  warnings().mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code ?? '?');

const parentId = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const named = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('trackOperation(type, attributes, { parent })', () => {
  it('an Operation as parent: the new span is its child even outside its callback', async () => {
    const { monitor, spans } = newSpanMonitor();
    const query = monitor.trackOperation('query_processing');
    await tick(1); // the parent is not active here: only the explicit link makes the child
    const retrieval = monitor.trackOperation('document_retrieval', { top_k: 3 }, { parent: query });
    retrieval.end();
    query.end();
    const all = spans();
    expect(parentId(named(all, 'document_retrieval'))).toBe(named(all, 'query_processing').spanContext().spanId);
    expect(named(all, 'document_retrieval').attributes.top_k).toBe(3);
  });

  it('an OTel Context as parent', () => {
    const { monitor, spans } = newSpanMonitor();
    const outside = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    monitor.trackOperation('llm_inference', undefined, { parent: trace.setSpan(ROOT_CONTEXT, outside) }).end();
    const span = named(spans(), 'llm_inference');
    expect(parentId(span)).toBe('b'.repeat(16));
    expect(span.spanContext().traceId).toBe('a'.repeat(32));
  });

  it('a parent that is neither is dropped and counted; the operation is still tracked at the root', async () => {
    const { monitor, spans } = newSpanMonitor();
    monitor.trackOperation('reranking', undefined, { parent: 'not a parent' as never }).end();
    expect(parentId(named(spans(), 'reranking'))).toBeUndefined();
    const report = await monitor.generateReport();
    expect(report.operations.reranking!.total).toBe(1);
    expect(report.dropped.by_reason).toEqual({ invalid_arguments: 1 });
  });

  it('a dropped parent (invalid type) leaves the child under the active context', () => {
    const { monitor, spans } = newSpanMonitor();
    const bad = monitor.trackOperation('Not A Type');
    monitor.track('query_processing', () => {
      monitor.trackOperation('reranking', undefined, { parent: bad }).end();
    });
    const all = spans();
    expect(parentId(named(all, 'reranking'))).toBe(named(all, 'query_processing').spanContext().spanId);
  });
});

describe('op.run(fn)', () => {
  it('makes the operation active: track() inside becomes its child, across await, and fn’s value comes back', async () => {
    const { monitor, spans } = newSpanMonitor();
    const query = monitor.trackOperation('query_processing');
    const answer = await query.run(async () => {
      await tick(1);
      await monitor.track('document_retrieval', async () => tick(1));
      return 'answer';
    });
    query.end();
    expect(answer).toBe('answer');
    const all = spans();
    expect(parentId(named(all, 'document_retrieval'))).toBe(named(all, 'query_processing').spanContext().spanId);
  });

  it('does not end the operation, and returns sync values synchronously', () => {
    const { monitor, spans } = newSpanMonitor();
    const op = monitor.trackOperation('reranking');
    expect(op.run(() => 7)).toBe(7);
    expect(spans()).toHaveLength(0);
    op.end();
    expect(spans()).toHaveLength(1);
  });

  it('rethrows fn’s error unchanged and works on a dropped operation and with tracing off', () => {
    const { monitor } = newSpanMonitor();
    const error = new Error('mine');
    const op = monitor.trackOperation('reranking');
    expect(() => op.run(() => { throw error; })).toThrow(error);
    expect(monitor.trackOperation('Bad Type').run(() => 'ran')).toBe('ran');
    const { monitor: metricsOnly } = newSpanMonitor({ tracing: false });
    expect(metricsOnly.trackOperation('reranking').run(() => 'ran too')).toBe('ran too');
  });
});

describe('withAttributes(attributes, fn)', () => {
  it('reaches every operation started inside as span attributes, nested and across await; the operation’s own win', async () => {
    const { monitor, spans } = newSpanMonitor();
    const result = await monitor.withAttributes({ 'session.id': 's-1', 'user.id': 'u-1' }, async () => {
      await tick(1);
      return monitor.track('query_processing', async () => {
        await monitor.withAttributes({ 'user.id': 'u-2', step: 'inner' }, () =>
          monitor.track('document_retrieval', { step: 'own' }, async () => tick(1)),
        );
        monitor.trackOperation('reranking').end();
        monitor.recordOperation({ type: 'embedding_generation', durationSeconds: 0.01 });
        return 'done';
      });
    });
    expect(result).toBe('done');
    monitor.track('llm_inference', (op) => op.setTokens({ input: 1 }));
    const all = spans();
    expect(named(all, 'query_processing').attributes).toMatchObject({ 'session.id': 's-1', 'user.id': 'u-1' });
    expect(named(all, 'document_retrieval').attributes).toMatchObject({ 'session.id': 's-1', 'user.id': 'u-2', step: 'own' });
    expect(named(all, 'reranking').attributes).toMatchObject({ 'session.id': 's-1', 'user.id': 'u-1' });
    expect(named(all, 'embedding_generation').attributes).toMatchObject({ 'session.id': 's-1' });
    expect(named(all, 'llm_inference').attributes['session.id']).toBeUndefined();
  });

  it('are not metric labels unless listed in metricAttributes', async () => {
    const reader = new CollectingReader();
    const { monitor } = newSpanMonitor({ metricReaders: [reader], metricAttributes: ['tenant'] });
    monitor.withAttributes({ 'session.id': 's-1', tenant: 'acme' }, () => monitor.track('reranking', () => undefined));
    const points = pointsOf(await reader.metrics(), METRIC_OPERATION_DURATION);
    expect(points.map((p) => p.attributes)).toEqual([{ 'rag.operation.type': 'reranking', tenant: 'acme' }]);
  });

  it('drops and counts invalid attribute values, keeping the valid ones', async () => {
    const { monitor, spans } = newSpanMonitor();
    monitor.withAttributes({ ok: 'yes', bad: { nested: true } as never }, () => monitor.track('reranking', () => undefined));
    expect(named(spans(), 'reranking').attributes).toMatchObject({ ok: 'yes' });
    expect(named(spans(), 'reranking').attributes.bad).toBeUndefined();
    expect((await monitor.generateReport()).dropped.by_reason).toEqual({ invalid_attribute: 1 });
  });

  it('needs a function', () => {
    const { monitor } = newSpanMonitor();
    expect(() => monitor.withAttributes({}, undefined as never)).toThrow(TypeError);
  });
});

describe('op.setTimeToFirstToken(seconds)', () => {
  it('records a time to first token measured elsewhere, once', async () => {
    const { monitor, spans } = newSpanMonitor();
    for (const seconds of [0.1, 0.2, 0.3]) {
      const op = monitor.trackOperation('llm_inference');
      op.setTimeToFirstToken(seconds).setTimeToFirstToken(99).markFirstToken();
      op.setTokens({ output: 1 });
      op.end();
    }
    const ttft = (await monitor.generateReport()).operations.llm_inference!.time_to_first_token!;
    expect(ttft.count).toBe(3);
    expect(ttft.p50).toBeCloseTo(0.2, 2);
    expect(ttft.p99).toBeCloseTo(0.3, 2);
    expect(spans()[0]!.attributes['rag.operation.time_to_first_token_seconds']).toBe(0.1);
  });

  it('drops and counts invalid values; a later valid one still counts', async () => {
    const { monitor } = newSpanMonitor();
    const op = monitor.trackOperation('llm_inference');
    op.setTimeToFirstToken(-1).setTimeToFirstToken(Number.NaN).setTimeToFirstToken('1' as never).setTimeToFirstToken(0.5);
    op.setTokens({ output: 1 });
    op.end();
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.time_to_first_token!.count).toBe(1);
    expect(report.dropped.by_reason).toEqual({ invalid_duration: 3 });
  });
});

describe('op.setContent(text)', () => {
  it('records prompt and completion on the span whatever captureContent says; setTokensFromText does only with it', () => {
    const { monitor, spans } = newSpanMonitor();
    expect(monitor.captureContent).toBe(false);
    monitor.track('llm_inference', (op) => op.setTokensFromText({ input: 'private prompt', output: 'private answer' }));
    monitor.track('llm_inference', (op) => op.setContent({ input: ['system', 'user'], output: 'answer' }).setTokens({ output: 1 }));
    const [implicit, explicit] = spans();
    expect(implicit!.attributes['gen_ai.prompt']).toBeUndefined();
    expect(implicit!.attributes['gen_ai.completion']).toBeUndefined();
    expect(explicit!.attributes['gen_ai.prompt']).toBe('system\nuser');
    expect(explicit!.attributes['gen_ai.completion']).toBe('answer');
  });
});

describe('an llm_inference operation that ends with no tokens', () => {
  it('warns once (RAGMETER_NO_TOKENS); failures, other types and operations with tokens do not', () => {
    const { monitor } = newSpanMonitor();
    monitor.track('llm_inference', (op) => op.setTokens({ input: 3 }));
    monitor.trackOperation('llm_inference').fail(new Error('timeout'));
    monitor.track('document_retrieval', () => undefined);
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1, tokens: 5 });
    expect(warningCodes()).toEqual([]);
    monitor.track('llm_inference', () => 'forgot setUsage');
    monitor.recordOperation({ type: 'llm_inference', durationSeconds: 1 });
    expect(warningCodes()).toEqual(['RAGMETER_NO_TOKENS']);
    expect(String(warnings().mock.calls[0]![0])).toMatch(/setUsage/);
  });
});
