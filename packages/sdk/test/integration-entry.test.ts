import * as integration from '../src/integration.js';
import { followStream, type StreamObserver } from '../src/integration.js';

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
  it('exports followStream by name', () => {
    expect(Object.keys(integration)).toEqual(['followStream']);
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
