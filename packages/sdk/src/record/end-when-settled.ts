import type { Operation } from '../operation.js';

/**
 * Ends `op` when what `fn` returned settles, giving the caller the very object `fn` returned.
 * A native promise is observed on a side branch (which handles its own rejection, so an
 * unhandled rejection stays the caller's, as without ragmeter). Another thenable — a query
 * builder, say, whose `then` starts the work — is not called by us: its `then` is wrapped on
 * the instance, so the operation lasts until the caller awaits it and it settles. Anything
 * else, or a thenable that cannot be wrapped, ends the operation now.
 */
export function endWhenSettled(result: object, op: Operation): void {
  try {
    if (result instanceof Promise) {
      result.then(
        () => op.end(),
        (error: unknown) => op.fail(error),
      );
      return;
    }
    const then: unknown = (result as { then?: unknown }).then;
    if (typeof then !== 'function' || !Object.isExtensible(result)) {
      op.end();
      return;
    }
    let observed = false;
    Object.defineProperty(result, 'then', {
      configurable: true,
      enumerable: false,
      writable: true,
      value: function (this: unknown, onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown): unknown {
        if (observed) return then.call(this, onFulfilled, onRejected);
        observed = true;
        try {
          return then.call(
            this,
            (value: unknown) => {
              op.end();
              return typeof onFulfilled === 'function' ? onFulfilled(value) : value;
            },
            (reason: unknown) => {
              op.fail(reason);
              if (typeof onRejected === 'function') return onRejected(reason);
              throw reason;
            },
          );
        } catch (error) {
          op.fail(error);
          throw error;
        }
      },
    });
  } catch {
    // a getter or proxy that throws: the caller meets it themselves, as without ragmeter
    op.end();
  }
}
