import { OperationType } from '../src/operation-type.js';
import type { DropReason } from '../src/record/dropped.js';
import { METRIC_SDK_DROPPED } from '../src/instruments.js';
import { CollectingReader, pointsOf, useMonitors, useSpanMonitors, useWarningSpy } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();
const newSpanMonitor = useSpanMonitors();
const warnings = useWarningSpy();

// Drop warnings only: llm_inference operations here carry no tokens on purpose, which has its own warning.
const warningCodes = (): string[] =>
  warnings()
    .mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code ?? '?')
    .filter((code) => code !== 'RAGMETER_NO_TOKENS');

async function droppedBy(monitor: ReturnType<typeof newMonitor>): Promise<Record<string, number>> {
  const report = await monitor.generateReport();
  expectValidReport(report);
  return report.dropped.by_reason;
}

describe('bad input is dropped, counted and warned about once per kind, never thrown', () => {
  it('invalid operation type names: the callback still runs, nothing is recorded', async () => {
    const { monitor, spans } = newSpanMonitor();
    const bad = ['Retrieval', 'has-dash', '', '1starts_with_digit', '_underscore', 'a'.repeat(64), 'spaces here', 42, null];
    for (const type of bad) {
      expect(monitor.track(type as string, () => 'ran')).toBe('ran');
      expect(() => monitor.trackOperation(type as string).end()).not.toThrow();
      expect(() => monitor.recordOperation({ type: type as string, durationSeconds: 1 })).not.toThrow();
    }
    await expect(monitor.track('Bad', async () => 'async ran')).resolves.toBe('async ran');
    expect(await monitor.getOperationCount()).toBe(0);
    expect(spans()).toHaveLength(0);
    const report = await monitor.generateReport();
    expect(report.dropped).toEqual({ total: bad.length * 3 + 1, by_reason: { invalid_operation_type: bad.length * 3 + 1 } });
    expect(report.operations).toEqual({});
    expect(warningCodes()).toEqual(['RAGMETER_INVALID_OPERATION_TYPE']);
  });

  it('63 characters is the longest valid custom name', async () => {
    const monitor = newMonitor();
    monitor.recordOperation({ type: 'a'.repeat(63), durationSeconds: 1 });
    expect(await monitor.getOperationCount('a'.repeat(63))).toBe(1);
    expect((await monitor.generateReport()).dropped.total).toBe(0);
  });

  it('a thrown error inside a dropped operation still propagates unchanged', () => {
    const monitor = newMonitor();
    const error = new Error('user bug');
    expect(() =>
      monitor.track('Not-Valid', () => {
        throw error;
      }),
    ).toThrow(error);
  });

  it('NaN, negative and infinite durations drop the operation', async () => {
    const monitor = newMonitor();
    for (const durationSeconds of [NaN, -0.001, -Infinity, Infinity, '1' as unknown as number, undefined as unknown as number]) {
      expect(() => monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds })).not.toThrow();
    }
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 0 }); // zero is valid
    expect(await monitor.getOperationCount()).toBe(1);
    expect(await droppedBy(monitor)).toEqual({ invalid_duration: 6 });
    expect(warningCodes()).toEqual(['RAGMETER_INVALID_DURATION']);
  });

  it('NaN, negative and infinite token counts drop the value, the operation is kept', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.tokens = NaN;
    op.tokens = -5;
    op.setTokens({ input: Infinity, output: 10 });
    op.setTokens(null as never);
    op.end();
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, inputTokens: -1, outputTokens: 4, tokens: NaN });
    const s = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect(s.totalOperations).toBe(2);
    expect([s.inputTokens, s.outputTokens, s.totalTokens]).toEqual([0, 14, 14]);
    expect(await droppedBy(monitor)).toEqual({ invalid_token_count: 6 });
    expect(warningCodes()).toEqual(['RAGMETER_INVALID_TOKEN_COUNT']);
  });

  it('non-primitive attribute values drop that attribute, the operation is kept', async () => {
    const monitor = newMonitor();
    const attributes = { ok: 'yes', obj: { a: 1 }, fn: () => 1, mixed: [1, 'a'], nestedArr: [[1]], date: new Date() } as never;
    monitor.track(OperationType.RERANKING, attributes, () => undefined);
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: 1, attributes: { sym: Symbol('s') } as never });
    monitor.track(OperationType.RERANKING, 'not an object' as never, () => undefined);
    expect(await monitor.getOperationCount(OperationType.RERANKING)).toBe(3);
    expect(await droppedBy(monitor)).toEqual({ invalid_attribute: 7 });
    expect(warningCodes()).toEqual(['RAGMETER_INVALID_ATTRIBUTE']);
  });

  it('attributes past maxAttributesPerOperation are dropped (counted once per operation)', async () => {
    const { monitor, spans } = newSpanMonitor({ maxAttributesPerOperation: 3 });
    monitor.track(OperationType.RERANKING, { a: 1, b: 2, c: 3, d: 4, e: 5 }, () => undefined);
    const span = spans()[0]!;
    expect(['a', 'b', 'c', 'd', 'e'].filter((k) => k in span.attributes)).toEqual(['a', 'b', 'c']);
    expect(await droppedBy(monitor)).toEqual({ invalid_attribute: 1 });
  });

  it('custom types over maxCustomTypes are dropped; known and built-in types still count', async () => {
    const monitor = newMonitor({ maxCustomTypes: 2 });
    monitor.recordOperation({ type: 'custom_one', durationSeconds: 1 });
    monitor.recordOperation({ type: 'custom_two', durationSeconds: 1 });
    monitor.recordOperation({ type: 'custom_three', durationSeconds: 1 });
    monitor.track('custom_four', () => undefined);
    monitor.recordOperation({ type: 'custom_one', durationSeconds: 1 });
    for (const t of Object.values(OperationType)) monitor.recordOperation({ type: t, durationSeconds: 1 });
    expect(await monitor.getOperationCount('custom_one')).toBe(2);
    expect(await monitor.getOperationCount('custom_two')).toBe(1);
    expect(await monitor.getOperationCount('custom_three')).toBe(0);
    expect(await monitor.getOperationCount()).toBe(3 + Object.values(OperationType).length);
    expect(await droppedBy(monitor)).toEqual({ custom_type_limit: 2 });
    expect(warningCodes()).toEqual(['RAGMETER_CUSTOM_TYPE_LIMIT']);
  });

  it('invalid memory deltas and non-object records', async () => {
    const monitor = newMonitor();
    monitor.recordOperation({ type: OperationType.PDF_LOADING, durationSeconds: 1, memoryDeltaMb: NaN });
    monitor.recordOperation({ type: OperationType.PDF_LOADING, durationSeconds: 1, memoryDeltaMb: Infinity });
    monitor.recordOperation(null as never);
    monitor.recordOperation('llm' as never);
    const s = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect(s.totalOperations).toBe(2);
    expect(s.totalMemoryDeltaMb).toBe(0);
    expect(await droppedBy(monitor)).toEqual({ invalid_arguments: 2, invalid_memory_delta: 2 });
  });

  it('exactly one warning per kind, however many drops of each, across all kinds', async () => {
    const monitor = newMonitor({ maxCustomTypes: 0 });
    for (let i = 0; i < 5; i++) {
      monitor.recordOperation({ type: 'Bad', durationSeconds: 1 });
      monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: -1 });
      monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, tokens: -1 });
      monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, attributes: { x: {} } as never });
      monitor.recordOperation({ type: 'custom', durationSeconds: 1 });
    }
    const expected: Partial<Record<DropReason, number>> = {
      custom_type_limit: 5,
      invalid_attribute: 5,
      invalid_duration: 5,
      invalid_operation_type: 5,
      invalid_token_count: 5,
    };
    expect(await droppedBy(monitor)).toEqual(expected);
    expect(warningCodes().sort()).toEqual(Object.keys(expected).map((r) => `RAGMETER_${r.toUpperCase()}`).sort());
    for (const call of warnings().mock.calls.filter((c) => (c[1] as { code?: string }).code !== 'RAGMETER_NO_TOKENS')) {
      expect(call[0]).toMatch(/^ragmeter dropped a value: /);
      expect((call[1] as { type?: string }).type).toBe('RagMeterWarning');
    }
    expect((await monitor.generateReport()).dropped.total).toBe(25);
  });

  it('drops are mirrored on the rag.sdk.dropped counter by reason', async () => {
    const exporterView = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [exporterView] });
    monitor.recordOperation({ type: 'Bad', durationSeconds: 1 });
    monitor.recordOperation({ type: 'Bad', durationSeconds: 1 });
    monitor.recordOperation({ type: OperationType.RERANKING, durationSeconds: NaN });
    const points = pointsOf(await exporterView.metrics(), METRIC_SDK_DROPPED);
    const byReason = Object.fromEntries(points.map((p) => [p.attributes.reason, p.value]));
    expect(byReason).toEqual({ invalid_operation_type: 2, invalid_duration: 1 });
  });
});
