import * as integration from '../src/integration.js';
import { abandonOperation, followStream, type StreamObserver } from '../src/integration.js';
import { parsePrometheusText, find } from './helpers/prometheus-text.js';
import { useSpanMonitors, useWarningSpy } from './helpers/monitors.js';

const newSpanMonitor = useSpanMonitors();
const warnings = useWarningSpy();

/** An observer that writes down what it is told. */
function recording(): StreamObserver & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    item: (value) => log.push(`item ${String(value)}`),
    done: () => log.push('done'),
    failed: (error) => log.push(`failed ${(error as Error).message}`),
    stopped: () => log.push('stopped'),
  };
}

/** A stream as OpenAI's and Anthropic's clients make them: an `iterator` field behind Symbol.asyncIterator. */
class ClientStream {
  constructor(private readonly items: unknown[], private readonly error?: Error) {}
  iterator = async function* (this: ClientStream) {
    yield* this.items;
    if (this.error) throw this.error;
  };
  [Symbol.asyncIterator]() {
    return this.iterator();
  }
}

describe('@ragmeter/sdk/integration followStream', () => {
  it('exports followStream, followAPIPromise and abandonOperation by name', () => {
    expect(Object.keys(integration).sort()).toEqual(['abandonOperation', 'followAPIPromise', 'followStream']);
  });

  it('passes every item through and says when the stream ran out; the stream stays the same object', async () => {
    const stream = new ClientStream(['a', 'b']);
    const observer = recording();
    expect(followStream(stream, observer)).toBe(true);
    const seen: unknown[] = [];
    for await (const item of stream) seen.push(item);
    expect(seen).toEqual(['a', 'b']);
    expect(observer.log).toEqual(['item a', 'item b', 'done']);
  });

  it('a failure reaches the reader as the very error, after the observer heard of it', async () => {
    const boom = new Error('cut');
    const stream = new ClientStream(['a'], boom);
    const observer = recording();
    followStream(stream, observer);
    let caught: unknown;
    try {
      for await (const item of stream) void item;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(boom);
    expect(observer.log).toEqual(['item a', 'failed cut']);
  });

  it('leaving early (break) is stopped, not done', async () => {
    const stream = new ClientStream(['a', 'b', 'c']);
    const observer = recording();
    followStream(stream, observer);
    for await (const item of stream) if (item === 'a') break;
    expect(observer.log).toEqual(['item a', 'stopped']);
  });

  it('a stream with only an async-iterator method is followed through it', async () => {
    const observer = recording();
    const stream = {
      async *[Symbol.asyncIterator]() {
        yield 1;
      },
    };
    expect(followStream(stream, observer)).toBe(true);
    for await (const item of stream) void item;
    expect(observer.log).toEqual(['item 1', 'done']);
  });

  it('only the first iteration is followed', async () => {
    const stream = new ClientStream(['a']);
    const observer = recording();
    followStream(stream, observer);
    for await (const item of stream) void item;
    for await (const item of stream) void item;
    expect(observer.log).toEqual(['item a', 'done']);
  });

  it('anything that is not a stream is left untouched', () => {
    const observer = recording();
    const plain = { choices: [] };
    for (const value of [null, undefined, 42, 'text', plain, { iterator: 'not a function' }]) {
      expect(followStream(value, observer)).toBe(false);
    }
    expect(plain).toEqual({ choices: [] });
    expect(observer.log).toEqual([]);
  });
});

describe('@ragmeter/sdk/integration abandonOperation', () => {
  it('records no metrics, counts the operation as abandoned, warns once, and ends its span marked', async () => {
    const { monitor, spans } = newSpanMonitor({ prometheus: { port: 0 } });
    const outer = monitor.trackOperation('query_processing');
    const child = monitor.trackOperation('document_retrieval', undefined, { parent: outer });
    child.end();
    abandonOperation(outer, 'a test run never ended');
    abandonOperation(monitor.trackOperation('query_processing'), 'another one');

    const report = await monitor.generateReport();
    expect(report.operations.query_processing).toBeUndefined();
    expect(report.operations.document_retrieval!.total).toBe(1);
    expect(report.dropped.by_reason).toEqual({ abandoned_operation: 2 });
    const messages = warnings().mock.calls.map((call) => String(call[0]));
    expect(messages).toEqual([expect.stringContaining('a test run never ended')]);

    const ended = spans().filter((s) => s.name === 'query_processing');
    expect(ended).toHaveLength(2);
    for (const span of ended) expect(span.attributes['rag.operation.abandoned']).toBe(true);
    // the child's span keeps its parent, which is now exported too
    const retrieval = spans().find((s) => s.name === 'document_retrieval')!;
    expect(retrieval.parentSpanContext?.spanId).toBe(ended[0]!.spanContext().spanId);

    const exposition = parsePrometheusText(await (await fetch(`${await monitor.serverUrl()}/metrics`)).text());
    expect(find(exposition, 'rag_sdk_dropped_total', { reason: 'abandoned_operation' })[0]!.value).toBe(2);
  });

  it('leaves an ended operation alone, and a later end() of an abandoned one records nothing', async () => {
    const { monitor, spans } = newSpanMonitor();
    const done = monitor.trackOperation('document_retrieval');
    done.end();
    abandonOperation(done, 'too late');
    const abandoned = monitor.trackOperation('document_retrieval');
    abandonOperation(abandoned, 'given up');
    abandoned.end();
    abandoned.fail(new Error('late'));
    abandonOperation(abandoned, 'twice');
    const report = await monitor.generateReport();
    expect(report.operations.document_retrieval!.total).toBe(1);
    expect(report.dropped.by_reason).toEqual({ abandoned_operation: 1 });
    expect(spans()).toHaveLength(2);
  });

  it('never throws, whatever it is given', () => {
    expect(() => abandonOperation(undefined as never, 'x')).not.toThrow();
    expect(() => abandonOperation({} as never, 'x')).not.toThrow();
    expect(() => abandonOperation({ ended: false, sink: { abandon: () => { throw new Error('no'); } } } as never, 'x')).not.toThrow();
  });
});
