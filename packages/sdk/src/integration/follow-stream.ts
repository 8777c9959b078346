type IteratorMethod = (...args: unknown[]) => AsyncIterator<unknown>;

/** A client library's stream: async-iterable, through an `iterator` field (OpenAI, Anthropic) or its async-iterator method. */
export interface StreamLike {
  iterator?: IteratorMethod;
  [Symbol.asyncIterator]?: IteratorMethod;
}

/** What `followStream()` tells about a stream as the application reads it. */
export interface StreamObserver {
  /** Each item, as the application receives it. Keep it short: it runs for every chunk. */
  item(value: unknown): void;
  /** The stream ran out. */
  done(): void;
  /** Reading failed; the error then reaches the application unchanged. */
  failed(error: unknown): void;
  /** The application stopped reading early (`break`, a cancelled reader): nothing more will come. */
  stopped(): void;
}

/**
 * Follows a client library's stream in place, so an operation lasts as long as the application
 * reads it and ends with it: the stream's iterator (its `iterator` field, which iteration,
 * `tee()` and `toReadableStream()` all go through; else its async-iterator method) is wrapped
 * on the object, which stays the very object the client returned. Only the first iteration is
 * followed (a client refuses a second one). Returns false, touching nothing, for a value that
 * is not a stream.
 */
export function followStream(stream: unknown, observer: StreamObserver): boolean {
  if (stream === null || typeof stream !== 'object') return false;
  const target = stream as StreamLike;
  const key = typeof target.iterator === 'function' ? 'iterator' : Symbol.asyncIterator;
  const iterator = target[key];
  if (typeof iterator !== 'function') return false;
  let first = true;
  target[key] = (...args: unknown[]) => {
    const inner = iterator.apply(stream, args);
    if (!first) return inner;
    first = false;
    return follow(inner, observer);
  };
  return true;
}

/** An iterator that passes every step through and tells `observer` about each. */
function follow(inner: AsyncIterator<unknown>, observer: StreamObserver): AsyncIterator<unknown> {
  const step = (result: IteratorResult<unknown>) => {
    if (result.done) observer.done();
    else observer.item(result.value);
    return result;
  };
  const failed = (error: unknown): never => {
    observer.failed(error);
    throw error;
  };
  return {
    next: (...args: [] | [unknown]) => inner.next(...args).then(step, failed),
    return: (value?: unknown) => {
      observer.stopped();
      return inner.return === undefined ? Promise.resolve({ done: true, value }) : inner.return(value);
    },
    throw: (error?: unknown) => {
      if (inner.throw === undefined) return failed(error);
      return inner.throw(error).then(step, failed);
    },
  };
}
