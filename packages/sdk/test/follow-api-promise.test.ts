import { runInThisContext } from 'node:vm';
import { followAPIPromise, type APIPromiseObserver } from '../src/integration.js';

// The real clients (openai, @anthropic-ai/sdk) are driven against local HTTP servers in their
// integrations' tests; here the piece alone, against an APIPromise written as Stainless writes
// it: a Promise subclass whose `then` starts the parse, with `parseResponse` and
// `responsePromise` instance fields and `_thenUnwrap` deriving a new one from them.

interface Props {
  response: { status: number };
  body: unknown;
}
type Parse = (client: unknown, props: Props) => unknown;

class APIPromise<T> extends Promise<T> {
  private parsedPromise: Promise<T> | undefined;

  constructor(
    private readonly responsePromise: Promise<Props>,
    private parseResponse: Parse = (_client, props) => props.body,
  ) {
    super((resolve) => resolve(null as T));
  }

  _thenUnwrap<U>(transform: (data: T) => U): APIPromise<U> {
    return new APIPromise<U>(this.responsePromise, async (client, props) => transform((await this.parseResponse(client, props)) as T));
  }

  asResponse(): Promise<Props['response']> {
    return this.responsePromise.then((p) => p.response);
  }

  async withResponse(): Promise<{ data: T; response: Props['response'] }> {
    const [data, response] = await Promise.all([this.parse(), this.asResponse()]);
    return { data, response };
  }

  private parse(): Promise<T> {
    this.parsedPromise ??= this.responsePromise.then((props) => this.parseResponse('client', props) as T);
    return this.parsedPromise;
  }

  override then<A = T, B = never>(onfulfilled?: ((value: T) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.parse().then(onfulfilled, onrejected);
  }
}

const ok = (body: unknown, status = 200): Promise<Props> => Promise.resolve({ response: { status }, body });

/** An observer that writes down what it is told. */
function recording(): APIPromiseObserver & { log: unknown[][] } {
  const log: unknown[][] = [];
  return {
    log,
    parsing: (response) => log.push(['parsing', response?.status]),
    settled: (value) => log.push(['settled', value]),
    failed: (error) => log.push(['failed', error]),
    raw: (response) => log.push(['raw', (response as { status: number }).status]),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

// Jest gives tests a process object of their own, which Node does not report unhandled
// rejections to: the listener goes on the real one.
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => realProcess.on('unhandledRejection', onUnhandled));
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));
afterEach(async () => {
  await tick();
  expect(unhandled.splice(0)).toEqual([]);
});

describe('followAPIPromise', () => {
  it('tells the parsed body once, when the application awaits it; the body is the same object', async () => {
    const body = { id: 'msg-1' };
    const promise = new APIPromise(ok(body, 201));
    const observer = recording();
    followAPIPromise(promise, observer);
    await tick();
    expect(observer.log).toEqual([]); // nothing read until the application reads it
    expect(await promise).toBe(body);
    expect(await promise).toBe(body);
    expect(observer.log).toEqual([
      ['parsing', 201],
      ['settled', body],
    ]);
  });

  it('a request failure reaches the application unchanged and is told once, without a parse', async () => {
    const error = new Error('429 Too Many Requests');
    const promise = new APIPromise(Promise.reject(error));
    const observer = recording();
    followAPIPromise(promise, observer);
    await expect(promise).rejects.toBe(error);
    expect(observer.log).toEqual([['failed', error]]);
  });

  it('a request failure is told even when the application never awaits the promise', async () => {
    const error = new Error('connection refused');
    const observer = recording();
    followAPIPromise(new APIPromise(Promise.reject(error)), observer);
    await tick();
    expect(observer.log).toEqual([['failed', error]]);
  });

  it('a parse failure, thrown or rejected, reaches the application unchanged and is told', async () => {
    for (const parse of [
      () => {
        throw new SyntaxError('bad JSON');
      },
      () => Promise.reject(new SyntaxError('bad JSON')),
    ]) {
      const promise = new APIPromise(ok('{'), parse);
      const observer = recording();
      followAPIPromise(promise, observer);
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SyntaxError);
      expect(observer.log).toEqual([
        ['parsing', 200],
        ['failed', error],
      ]);
    }
  });

  it('asResponse() alone is raw: the application reads the body itself', async () => {
    const promise = new APIPromise(ok({ id: 'x' }, 200));
    const observer = recording();
    followAPIPromise(promise, observer);
    expect((await promise.asResponse()).status).toBe(200);
    expect(observer.log).toEqual([['raw', 200]]);
  });

  it('withResponse() parses first, so it is settled, not raw', async () => {
    const body = { id: 'x' };
    const promise = new APIPromise(ok(body));
    const observer = recording();
    followAPIPromise(promise, observer);
    const { data } = await promise.withResponse();
    expect(data).toBe(body);
    expect(observer.log.map(([what]) => what)).toEqual(['parsing', 'settled']);
  });

  it('a promise the client derives (_thenUnwrap) is followed too; the first parse tells, once', async () => {
    const promise = new APIPromise(ok({ choices: ['a'] }));
    const observer = recording();
    followAPIPromise(promise, observer);
    const derived = promise._thenUnwrap((data) => ({ ...(data as object), parsed: true }));
    const value = await derived;
    expect(value).toEqual({ choices: ['a'], parsed: true });
    expect(observer.log).toEqual([
      ['parsing', 200],
      ['settled', value],
    ]);
  });

  it('any other thenable: its outcome; anything else: settled at once', async () => {
    const observer = recording();
    followAPIPromise(Promise.resolve('plain'), observer);
    const error = new Error('no');
    followAPIPromise(Promise.reject(error), observer);
    followAPIPromise(42, observer);
    await tick();
    expect(observer.log).toEqual([
      ['settled', 42],
      ['settled', 'plain'],
      ['failed', error],
    ]);
  });

  it("an observer that throws changes nothing for the application", async () => {
    const throwing: APIPromiseObserver = {
      parsing: () => {
        throw new Error('observer');
      },
      settled: () => {
        throw new Error('observer');
      },
      failed: () => {
        throw new Error('observer');
      },
      raw: () => {
        throw new Error('observer');
      },
    };
    const body = { id: 'x' };
    const parsed = new APIPromise(ok(body));
    followAPIPromise(parsed, throwing);
    expect(await parsed).toBe(body);
    const raw = new APIPromise(ok(body, 204));
    followAPIPromise(raw, throwing);
    expect((await raw.asResponse()).status).toBe(204);
    const error = new Error('503');
    const failing = new APIPromise(Promise.reject(error));
    followAPIPromise(failing, throwing);
    await expect(failing).rejects.toBe(error);
  });
});
