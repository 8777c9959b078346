/** What `followAPIPromise()` tells about one call of a client library. */
export interface APIPromiseObserver {
  /**
   * The response's headers are here and its body is about to be read (once per call, whoever
   * reads it: the application, or a helper of the client). `response` is the client's
   * `Response` (its `status` and headers).
   */
  parsing?(response: { status?: unknown } | undefined): void;
  /** The parsed result — a whole body, or a stream to follow — before the application gets it. */
  settled(value: unknown): void;
  /** The request or the reading of its body failed; the error then reaches the application unchanged. */
  failed(error: unknown): void;
  /**
   * The application took the raw `Response` (`asResponse()`) and reads the body itself, so the
   * body will never be parsed here: nothing more will come.
   */
  raw(response: unknown): void;
}

/**
 * The `APIPromise` of a client built the way Stainless builds them (`openai`,
 * `@anthropic-ai/sdk` and others), by shape: there may be more than one copy of a client loaded.
 */
interface APIPromiseLike extends PromiseLike<unknown> {
  parseResponse: (client: unknown, props: { response?: { status?: unknown } }) => unknown;
  asResponse: () => Promise<unknown>;
  responsePromise?: unknown;
  _thenUnwrap?: (...args: unknown[]) => unknown;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';

const isAPIPromise = (v: unknown): v is APIPromiseLike =>
  isThenable(v) &&
  typeof (v as Partial<APIPromiseLike>).parseResponse === 'function' &&
  typeof (v as Partial<APIPromiseLike>).asResponse === 'function';

/**
 * Follows what a client method returned, leaving it the very object the application gets:
 *
 * - a Stainless `APIPromise` (`openai`, `@anthropic-ai/sdk`): its `parseResponse` (an instance
 *   field, which the client's own `_thenUnwrap` relies on) is wrapped, so the body is read when,
 *   and only when, the application reads it, and `observer.settled` hears of the result;
 *   promises the client derives from it (`_thenUnwrap`, which helpers such as `.parse()` use)
 *   are followed too, and whichever is parsed first tells. Request failures (HTTP errors after
 *   retries, connection errors, aborts) are observed on its response promise, without starting
 *   a parse. `asResponse()` taken alone tells `raw`; `withResponse()` parses first, so it does
 *   not.
 * - any other thenable: its outcome; anything else: settled at once.
 *
 * Errors reach the application unchanged (the same object); every promise made here handles
 * its rejection, so no unhandled rejection comes from here. Never throws: a hook that cannot
 * be placed tells `failed`.
 */
export function followAPIPromise(result: unknown, observer: APIPromiseObserver): void {
  const call = { parsing: false };
  try {
    if (isAPIPromise(result)) hook(result, observer, call, false);
    else if (isThenable(result)) result.then((value) => settle(observer, value), (error: unknown) => fail(observer, error));
    else settle(observer, result);
  } catch (error) {
    fail(observer, error);
  }
}

/** Tells the observer; its own trouble is not the application's, so nothing it throws leaves. */
function tell(fn: () => void): void {
  try {
    fn();
  } catch {
    // the application's value or error goes on unchanged
  }
}

function settle(observer: APIPromiseObserver, value: unknown): unknown {
  tell(() => observer.settled(value));
  return value;
}

const fail = (observer: APIPromiseObserver, error: unknown): void => tell(() => observer.failed(error));

function hook(promise: APIPromiseLike, observer: APIPromiseObserver, call: { parsing: boolean }, derived: boolean): void {
  const { parseResponse, asResponse, _thenUnwrap: thenUnwrap } = promise;
  if (!derived) {
    // Failures before a body exists, observed once per request; the response promise is read
    // directly where it is there (asResponse() in some versions also ends the client's own
    // bookkeeping when no parse has begun).
    const response = isThenable(promise.responsePromise) ? promise.responsePromise : asResponse.call(promise);
    response.then(undefined, (error: unknown) => fail(observer, error));
  }
  promise.parseResponse = (client, props) => {
    if (call.parsing) return parseResponse(client, props); // the same response parsed twice: the first tells
    call.parsing = true;
    tell(() => observer.parsing?.(props?.response));
    let parsed: unknown;
    try {
      parsed = parseResponse(client, props);
    } catch (error) {
      fail(observer, error);
      throw error;
    }
    return Promise.resolve(parsed).then(
      (value) => settle(observer, value),
      (error: unknown) => {
        fail(observer, error);
        throw error;
      },
    );
  };
  promise.asResponse = () =>
    asResponse.call(promise).then((response) => {
      if (!call.parsing) tell(() => observer.raw(response));
      return response;
    });
  if (typeof thenUnwrap === 'function') {
    promise._thenUnwrap = (...args: unknown[]) => {
      const next = thenUnwrap.apply(promise, args);
      if (isAPIPromise(next)) hook(next, observer, call, true);
      return next;
    };
  }
}
