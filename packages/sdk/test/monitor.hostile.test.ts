import { useSpanMonitors, useWarningSpy } from './helpers/monitors.js';

// What a careless or hostile caller hands the public API: nothing is thrown into the host (only
// documented programmer errors), the caller's values come back as they were, nothing is lost.
const newSpanMonitor = useSpanMonitors();
useWarningSpy();

const throwing = { valueOf: () => { throw new Error('valueOf'); }, toString: () => { throw new Error('toString'); } };
const getterThrows = Object.defineProperty({}, 'prompt_tokens', { enumerable: true, get: () => { throw new Error('getter'); } });

describe('hostile values given to an operation are dropped and counted, not thrown', () => {
  it.each([
    ['op.tokens = null-prototype object', 1, (op: never) => { (op as { tokens: unknown }).tokens = Object.create(null); }],
    ['setTokens({ input: throwing valueOf })', 1, (op: never) => (op as { setTokens(t: unknown): void }).setTokens({ input: throwing })],
    ['setUsage(null-prototype object): an empty usage', 0, (op: never) => (op as { setUsage(t: unknown): void }).setUsage(Object.create(null))],
    ['setUsage(a throwing getter)', 1, (op: never) => (op as { setUsage(t: unknown): void }).setUsage(getterThrows)],
    ['setTokensFromText(a throwing getter)', 1, (op: never) => (op as { setTokensFromText(t: unknown): void }).setTokensFromText(Object.defineProperty({}, 'input', { get: () => { throw new Error('x'); } }))],
    ['setAttribute(key, null-prototype object)', 1, (op: never) => (op as { setAttribute(k: string, v: unknown): void }).setAttribute('k', Object.create(null))],
  ])('%s', async (_name, drops, misuse) => {
    const { monitor, spans } = newSpanMonitor();
    expect(() => monitor.track('llm_inference', (op) => {
      misuse(op as never);
      op.setTokens({ input: 1 });
      return 'done';
    })).not.toThrow();
    expect(spans()).toHaveLength(1);
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.total).toBe(1);
    expect(report.dropped.total).toBe(drops);
    expect(report.operations.llm_inference!.tokens.input).toBe(1);
  });

  it('attributes with throwing getters and keys longer than the limit are dropped, the rest kept', async () => {
    const { monitor, spans } = newSpanMonitor({ maxAttributeValueLength: 64 });
    const attributes = { ok: 'yes', ['k'.repeat(1_000_000)]: 'long key' };
    monitor.track('reranking', attributes, () => undefined);
    monitor.track('reranking', Object.defineProperty({ first: 1 }, 'bad', { enumerable: true, get: () => { throw new Error('g'); } }), () => undefined);
    const [a, b] = spans();
    expect(Object.keys(a!.attributes).filter((k) => k.startsWith('k'))).toEqual([]);
    expect(a!.attributes.ok).toBe('yes');
    expect(b!.attributes.first).toBe(1);
    expect((await monitor.generateReport()).dropped.by_reason.invalid_attribute).toBe(2);
  });
});

describe('whatever fn returns, the caller gets the same value, awaited the same way', () => {
  it('a minimal thenable: its value, not undefined', async () => {
    const { monitor, spans } = newSpanMonitor();
    const value = await monitor.track('reranking', () => ({ then(resolve: (v: number) => void) { resolve(5); } }));
    expect(value).toBe(5);
    expect(spans()).toHaveLength(1);
  });

  it('a query-builder thenable comes back as the same object with its methods; the operation lasts until it settles', async () => {
    const { monitor, spans } = newSpanMonitor();
    let executed = 0;
    class Query {
      where(): this { return this; }
      then(resolve: (rows: string[]) => unknown, reject: (e: unknown) => unknown) {
        executed++;
        return new Promise<string[]>((r) => setTimeout(() => r(['row']), 20)).then(resolve, reject);
      }
    }
    const query = new Query();
    const returned = monitor.track('document_retrieval', () => query);
    expect(returned).toBe(query);
    expect(typeof returned.where).toBe('function');
    expect(executed).toBe(0); // not run by us
    expect(spans()).toHaveLength(0);
    expect(await returned.where()).toEqual(['row']);
    expect(executed).toBe(1);
    const [span] = spans();
    expect(span!.duration[0] * 1e3 + span!.duration[1] / 1e6).toBeGreaterThanOrEqual(15);
    expect(Object.keys(query)).toEqual([]); // nothing enumerable added
  });

  it('a thenable whose then throws: track() does not throw; awaiting it rejects with that error, and the operation fails', async () => {
    const { monitor, spans } = newSpanMonitor();
    const error = new Error('then failed');
    const thenable = { then() { throw error; } };
    let returned: unknown;
    expect(() => { returned = monitor.track('reranking', () => thenable); }).not.toThrow();
    expect(returned).toBe(thenable);
    await expect(Promise.resolve().then(() => returned)).rejects.toBe(error);
    expect(spans()[0]!.attributes['error.type']).toBe('Error');
  });

  it('a native promise comes back as the same object; a rejection reaches the caller unchanged', async () => {
    const { monitor, spans } = newSpanMonitor();
    const promise = Promise.resolve(3);
    expect(monitor.track('reranking', () => promise)).toBe(promise);
    const error = new Error('no');
    const rejected = Promise.reject(error);
    const back = monitor.track('reranking', () => rejected);
    expect(back).toBe(rejected);
    await expect(back).rejects.toBe(error);
    await new Promise((r) => setImmediate(r));
    expect(spans().map((s) => s.attributes['error.type'] ?? 'ok')).toEqual(['ok', 'Error']);
  });
});

describe('reports stay finite', () => {
  it('huge durations, token counts and memory deltas are dropped as out of range', async () => {
    const { monitor } = newSpanMonitor();
    for (let i = 0; i < 2; i++) {
      monitor.recordOperation({ type: 'reranking', durationSeconds: 1e308 });
      monitor.recordOperation({ type: 'reranking', durationSeconds: 1, tokens: 1e308, memoryDeltaMb: 1e308 });
      monitor.track('llm_inference', (op) => op.setTokens({ input: 1e300, output: 1 }));
    }
    const report = await monitor.generateReport();
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // no Infinity turned into null
    expect(report.operations.reranking!.total).toBe(2);
    expect(report.dropped.by_reason).toEqual({ invalid_duration: 2, invalid_token_count: 4, invalid_memory_delta: 2 });
  });

  it('a non-string errorType keeps the operation and drops the field', async () => {
    const { monitor, spans } = newSpanMonitor();
    monitor.recordOperation({ type: 'reranking', durationSeconds: 1, success: false, errorType: 42 as never });
    const report = await monitor.generateReport();
    expect(report.operations.reranking!.failed).toBe(1);
    expect(spans()[0]!.attributes['error.type']).toBe('Error');
    expect(report.dropped.by_reason).toEqual({ invalid_attribute: 1 });
  });
});
