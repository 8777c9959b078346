import { runInNewContext } from 'node:vm';
import { useSpanMonitors } from './helpers/monitors.js';

const newSpanMonitor = useSpanMonitors();

describe('whatever is thrown, the operation ends failed and the value comes back unchanged', () => {
  it('an Error from another realm keeps its class name as error.type and its exception event', () => {
    const { monitor, spans } = newSpanMonitor();
    const foreign = runInNewContext('new TypeError("from a vm context")') as Error;
    expect(foreign instanceof Error).toBe(false); // the case under test
    expect(() => monitor.track('reranking', () => { throw foreign; })).toThrow(expect.objectContaining({ message: 'from a vm context' }));
    const [span] = spans();
    expect(span!.attributes['error.type']).toBe('TypeError');
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    expect(span!.status.message).toBe('from a vm context');
  });

  it('a null-prototype object and an error whose fields throw: rethrown as is, span ended', async () => {
    const { monitor, spans } = newSpanMonitor();
    const bare = Object.create(null) as object;
    let caught: unknown;
    try {
      monitor.track('reranking', () => {
        throw bare;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(bare);
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', { get: () => { throw new Error('getter'); } });
    Object.defineProperty(hostile, 'constructor', { get: () => { throw new Error('getter'); } });
    await expect(monitor.track('reranking', async () => { throw hostile; })).rejects.toBe(hostile);
    const ended = spans();
    expect(ended).toHaveLength(2);
    expect(ended.map((s) => s.attributes['error.type'])).toEqual(['_OTHER', 'Error']);
    const report = await monitor.generateReport();
    expect(report.operations.reranking!.failed).toBe(2);
    expect(report.dropped.total).toBe(0);
  });
});

describe('tokens counted from text', () => {
  it('monitor.countTokens uses the monitor’s tokenizer; setTokensFromText marks the span', () => {
    const { monitor, spans } = newSpanMonitor({ tokenCounter: { count: (t) => t.split(' ').length } });
    expect(monitor.countTokens('one two three')).toBe(3);
    expect(monitor.countTokens(['a b', 'c'])).toBe(3);
    monitor.track('llm_inference', (op) => op.setTokensFromText({ input: 'a b c', output: 'd' }));
    monitor.track('llm_inference', (op) => op.setTokens({ input: 3, output: 1 }));
    const [counted, reported] = spans();
    expect(counted!.attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(counted!.attributes['rag.operation.tokens_from_text']).toBe(true);
    expect(reported!.attributes['rag.operation.tokens_from_text']).toBeUndefined();
  });
});
