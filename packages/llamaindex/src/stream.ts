/**
 * Following a stream LlamaIndex returns (an LLM's chunks, a streamed query's responses) to its
 * end: the object's own `[Symbol.asyncIterator]` is wrapped in place — as LlamaIndex itself does
 * for LLM streams — so the caller keeps the very object it was given. The first iteration is
 * followed; every step passes through unchanged.
 */
export interface StreamHooks {
  /** Each value, in order. */
  value?(value: unknown): void;
  /** Read to the end, or left early (`break`): the stream is over for its reader. */
  end(): void;
  fail(error: unknown): void;
}

type IteratorMethod = (...args: unknown[]) => AsyncIterator<unknown>;

/** Hooks `stream` when it is async-iterable; false (nothing changed) when it is not. */
export function followStream(stream: unknown, hooks: StreamHooks): boolean {
  if (stream === null || typeof stream !== 'object') return false;
  const target = stream as { [Symbol.asyncIterator]?: IteratorMethod };
  const iterate = target[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return false;
  let first = true;
  Object.defineProperty(target, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: (...args: unknown[]) => {
      const inner = iterate.apply(target, args);
      if (!first) return inner;
      first = false;
      return follow(inner, hooks);
    },
  });
  return true;
}

const quietly = (fn: () => void): void => {
  try {
    fn();
  } catch {
    // recording never breaks the caller's iteration
  }
};

function follow(inner: AsyncIterator<unknown>, hooks: StreamHooks): AsyncIterator<unknown> {
  const step = (result: IteratorResult<unknown>) => {
    if (result.done) quietly(() => hooks.end());
    else if (hooks.value !== undefined) quietly(() => hooks.value!(result.value));
    return result;
  };
  const failed = (error: unknown): never => {
    quietly(() => hooks.fail(error));
    throw error;
  };
  return {
    next: (...args: [] | [unknown]) => inner.next(...args).then(step, failed),
    return: (value?: unknown) => {
      quietly(() => hooks.end()); // the reader stopped early: the operation ends here
      return inner.return === undefined ? Promise.resolve({ done: true, value }) : inner.return(value);
    },
    throw: (error?: unknown) => {
      if (inner.throw === undefined) return failed(error);
      return inner.throw(error).then(step, failed);
    },
  };
}
