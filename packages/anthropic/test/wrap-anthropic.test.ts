import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Anthropic1 from '@anthropic-ai/sdk';
import { wrapAnthropic } from '@ragmeter/anthropic';
import { countTokens, getPerformanceMonitor, PerformanceMonitor, startRagMeter, type RagMeterOptions } from '@ragmeter/sdk';
import Anthropic0 from 'anthropic-v0';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInThisContext } from 'node:vm';
import {
  MODEL,
  RESPONSE_MODEL,
  delayed,
  errorBody,
  json,
  message,
  messageStream,
  sse,
  startFakeAnthropic,
  type FakeAnthropic,
} from './helpers/fake-anthropic';

// Every test drives the real `@anthropic-ai/sdk` client (the newest 1.x and the oldest supported
// 0.x) against a local server speaking the Messages API, and reads what ragmeter recorded from
// its report and its spans.

const CLIENTS: [string, typeof Anthropic1][] = [
  ['@anthropic-ai/sdk 1.16', Anthropic1],
  ['@anthropic-ai/sdk 0.52', Anthropic0 as unknown as typeof Anthropic1],
];

// Jest gives tests a process object of their own, which Node does not report unhandled
// rejections to: the listener goes on the real one, the process of the main context. (The
// integration test no-unhandled.int.test.ts checks the same in a plain Node process.)
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
realProcess.on('unhandledRejection', onUnhandled);
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));

let server: FakeAnthropic;
beforeAll(async () => {
  server = await startFakeAnthropic();
});
afterAll(() => server.close());

const monitors: PerformanceMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
});

function setup(options: RagMeterOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)], ...options });
  monitors.push(monitor);
  const spans = () => exporter.getFinishedSpans();
  const span = (name = 'llm_inference'): ReadableSpan => {
    const found = spans().filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const op = async (type = 'llm_inference') => (await monitor.generateReport()).operations[type];
  return { monitor, spans, span, op };
}

const SYSTEM = 'You answer in one word.';
const MESSAGES = [{ role: 'user' as const, content: 'What colour is the sky on a clear day?' }];
const PROMPT_TOKENS = countTokens([SYSTEM, MESSAGES[0]!.content]);
const REQUEST = { model: MODEL, max_tokens: 64, system: SYSTEM, messages: MESSAGES };

/** Events of a stream, read to the end. */
async function drain(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

type Event = { type: string; delta?: { text?: string } };
const streamText = (events: unknown[]) => (events as Event[]).map((e) => (e.type === 'content_block_delta' ? e.delta?.text ?? '' : '')).join('');

/**
 * Records, below our wrapper, what the client itself returns and throws: the APIPromise of each
 * call and every error its parse and its stream iterators raise. Installed before wrapAnthropic,
 * so it is the `create` our wrapper calls.
 */
function spyBelow(resource: { create: (...args: never[]) => unknown }) {
  const promises: unknown[] = [];
  const parseErrors: unknown[] = [];
  const streamErrors: unknown[] = [];
  const create = resource.create;
  resource.create = function (this: unknown, ...args: never[]) {
    const promise = create.apply(this, args) as {
      parseResponse: (client: unknown, props: unknown) => Promise<unknown>;
    };
    promises.push(promise);
    const parse = promise.parseResponse;
    promise.parseResponse = async (client, props) => {
      const value = (await Promise.resolve(parse(client, props)).catch((error: unknown) => {
        parseErrors.push(error);
        throw error;
      })) as { iterator?: () => AsyncIterator<unknown> };
      const iterator = value?.iterator;
      if (typeof iterator === 'function') {
        value.iterator = () => {
          const inner = iterator.call(value);
          return {
            next: () =>
              inner.next().catch((error: unknown) => {
                streamErrors.push(error);
                throw error;
              }),
            return: (v?: unknown) => inner.return?.(v) ?? Promise.resolve({ done: true, value: v }),
          };
        };
      }
      return value;
    };
    return promise;
  } as typeof resource.create;
  return { promises, parseErrors, streamErrors };
}

/** The error the client's own request promise rejected with (bypassing anything on the instance). */
const requestError = (promise: unknown) =>
  (promise as { responsePromise: Promise<unknown> }).responsePromise.then(
    () => undefined,
    (error: unknown) => error,
  );

const settle = (promise: PromiseLike<unknown>) =>
  Promise.resolve(promise).then(
    () => undefined,
    (error: unknown) => error,
  );

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.each(CLIENTS)('wrapAnthropic with %s', (_name, Anthropic) => {
  const newClient = (clientOptions: Partial<ConstructorParameters<typeof Anthropic1>[0]> = {}) =>
    new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.baseURL, maxRetries: 0, ...clientOptions });
  const client = (wrapOptions: Parameters<typeof wrapAnthropic>[1] = {}, clientOptions: Partial<ConstructorParameters<typeof Anthropic1>[0]> = {}) =>
    wrapAnthropic(newClient(clientOptions), wrapOptions);
  /** A wrapped client with spyBelow() under the wrapper. */
  const spied = (monitor: PerformanceMonitor) => {
    const anthropic = newClient();
    const below = spyBelow(anthropic.messages as never);
    wrapAnthropic(anthropic, { monitor });
    return { anthropic, below };
  };

  describe('messages.create', () => {
    it('records an llm_inference operation with the usage tokens and GenAI attributes', async () => {
      const { monitor, span, op } = setup();
      server.reply(json(200, message('Blue.', { input_tokens: 21, output_tokens: 2 })));
      // Sampling parameters that 1.x no longer types (deprecated by the API) but 0.x sends.
      const params = { ...REQUEST, temperature: 0, top_p: 1, top_k: 5, stop_sequences: ['END'] };
      const result = await client({ monitor }).messages.create(params);
      expect(result.content[0]).toMatchObject({ type: 'text', text: 'Blue.' });
      expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/messages' });

      expect(await op()).toMatchObject({ total: 1, successful: 1, failed: 0, tokens: { input: 21, output: 2, total: 23 } });
      expect(span().attributes).toMatchObject({
        'rag.operation.type': 'llm_inference',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': MODEL,
        'gen_ai.request.max_tokens': 64,
        'gen_ai.request.temperature': 0,
        'gen_ai.request.top_p': 1,
        'gen_ai.request.top_k': 5,
        'gen_ai.request.stop_sequences': ['END'],
        'gen_ai.response.model': RESPONSE_MODEL,
        'gen_ai.response.id': 'msg_01',
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 2,
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(server.baseURL).port),
      });
    });

    it('counts cache reads and writes as input tokens, reports them apart, and prices each at its own rate', async () => {
      const price = { inputPerMillionTokens: 3, outputPerMillionTokens: 15, cachedInputPerMillionTokens: 0.3, cacheWriteInputPerMillionTokens: 3.75 };
      const { monitor, span, op } = setup({ pricing: { [MODEL]: price } });
      server.reply(
        json(200, message('Blue.', { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })),
      );
      await client({ monitor }).messages.create(REQUEST);
      expect(await op()).toMatchObject({ tokens: { input: 125, output: 2 } });
      expect(span().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 125,
        'gen_ai.usage.cache_read.input_tokens': 100,
        'gen_ai.usage.cache_creation.input_tokens': 20,
      });
      // 5 plain input tokens at $3, 20 written to the cache at $3.75, 100 cache reads at $0.30, 2 output at $15 per million
      expect((await op())!.cost!.total_usd).toBeCloseTo((5 * 3 + 20 * 3.75 + 100 * 0.3 + 2 * 15) / 1e6, 15);
    });

    it('returns the very APIPromise the client made; withResponse() and asResponse() work', async () => {
      const { monitor, op } = setup();
      const { anthropic, below } = spied(monitor);

      server.reply(json(200, message('One.', { input_tokens: 3, output_tokens: 1 })));
      const promise = anthropic.messages.create(REQUEST);
      expect(promise).toBe(below.promises[0]);
      const { data, response, request_id } = await promise.withResponse();
      expect(data.content[0]).toMatchObject({ text: 'One.' });
      expect(response.status).toBe(200);
      expect(request_id).toBe('req_fake');
      expect((data as { _request_id?: string })._request_id).toBe('req_fake');

      // The raw Response alone: the caller reads the body, the operation ends at the headers.
      server.reply(json(200, message('Two.', { input_tokens: 3, output_tokens: 1 })));
      const raw = await anthropic.messages.create(REQUEST).asResponse();
      expect(((await raw.json()) as { content: { text: string }[] }).content[0]!.text).toBe('Two.');

      expect(await op()).toMatchObject({ total: 2, successful: 2 });
    });

    it('falls back to the tokenizer when the server reports no usage', async () => {
      const { monitor, span } = setup();
      server.reply(json(200, message('The sky is blue.')));
      await client({ monitor }).messages.create(REQUEST);
      expect(span().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': countTokens('The sky is blue.'),
        'rag.operation.tokens_from_text': true,
      });
    });

    it('reads tool use and thinking blocks as generated output', async () => {
      const { monitor, span } = setup();
      const content = [
        { type: 'thinking', thinking: 'The user asks about weather.', signature: 'sig' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ];
      server.reply(json(200, message(content, undefined, 'tool_use')));
      await client({ monitor }).messages.create(REQUEST);
      expect(span().attributes).toMatchObject({
        'gen_ai.response.finish_reasons': ['tool_use'],
        'gen_ai.usage.output_tokens': countTokens(['The user asks about weather.', 'get_weather', '{"city":"Paris"}']),
      });
    });

    it.each([
      [429, 'rate_limit_error', 'RateLimitError'],
      [500, 'api_error', 'InternalServerError'],
      [529, 'overloaded_error', 'OverloadedError'], // 0.x has no class of its own for 529: InternalServerError
    ])('records HTTP %i as a failure with error.type and status; the caller gets the client error itself', async (status, type, className) => {
      const { monitor, span, op } = setup();
      const { anthropic, below } = spied(monitor);
      server.reply(json(status, errorBody(type, 'Something went wrong')));

      const caught = await settle(anthropic.messages.create(REQUEST));
      expect(caught).toBeInstanceOf(Anthropic.APIError);
      expect(caught).toBe(await requestError(below.promises[0]));
      expect((caught as { status: number }).status).toBe(status);

      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      const s = span();
      const expected = status === 529 && !('OverloadedError' in Anthropic) ? 'InternalServerError' : className;
      expect((caught as Error).constructor.name).toBe(expected);
      expect(s.attributes).toMatchObject({ 'error.type': expected, 'http.response.status_code': status });
      expect(s.status.code).toBe(2); // SpanStatusCode.ERROR
    });

    it('records a connection error (nothing listening) with no status; the caller gets the client error', async () => {
      const { monitor, span, op } = setup();
      const port = await closedPort();
      const caught = await settle(client({ monitor }, { baseURL: `http://127.0.0.1:${port}` }).messages.create(REQUEST));
      expect(caught).toBeInstanceOf(Anthropic.APIConnectionError);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['error.type']).toBe('APIConnectionError');
      expect(span().attributes['http.response.status_code']).toBeUndefined();
    });

    it('records a body cut mid-way as a failure; the caller gets the client’s error', async () => {
      const { monitor, span, op } = setup();
      const { anthropic, below } = spied(monitor);
      server.reply(async (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"msg_01","type":"message","content":[');
        await sleep(20);
        res.socket?.destroy();
      });
      const caught = await settle(anthropic.messages.create(REQUEST));
      expect(caught).toBeDefined();
      expect(caught).toBe(below.parseErrors[0]);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['http.response.status_code']).toBe(200);
    });

    it('records what create() throws before any request, and throws the same error', async () => {
      const { monitor, span, op } = setup();
      const anthropic = newClient();
      // Below the wrapper: the client's own create, noting what it throws.
      const thrown: unknown[] = [];
      const create = anthropic.messages.create;
      anthropic.messages.create = function (this: unknown, ...args: unknown[]) {
        try {
          return (create as (...a: unknown[]) => unknown).apply(this, args);
        } catch (error) {
          thrown.push(error);
          throw error;
        }
      } as typeof create;
      wrapAnthropic(anthropic, { monitor });

      // A non-streamed request this long: the client asks for streaming, synchronously.
      let caught: unknown;
      try {
        void anthropic.messages.create({ ...REQUEST, max_tokens: 10_000_000 });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Anthropic.AnthropicError);
      expect(thrown).toEqual([caught]);
      expect(thrown[0]).toBe(caught);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['error.type']).toBe('AnthropicError');
    });

    it('records a failed call nobody awaits, with no unhandled rejection', async () => {
      const { monitor, op } = setup();
      server.reply(json(500, errorBody('api_error', 'boom')));
      void client({ monitor }).messages.create(REQUEST);
      for (let i = 0; i < 50 && (await op())?.failed !== 1; i++) await sleep(20);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      await sleep(20);
      expect(unhandled).toEqual([]);
    });

    it('records an abort before the headers as APIUserAbortError; the caller gets the client error', async () => {
      const { monitor, span } = setup();
      server.reply(delayed(2000, json(200, message('late'))));
      const controller = new AbortController();
      const promise = client({ monitor }).messages.create(REQUEST, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const caught = await settle(promise);
      expect(caught).toBeInstanceOf(Anthropic.APIUserAbortError);
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('nests under the caller’s span', async () => {
      const { monitor, spans } = setup();
      server.reply(json(200, message('Blue.', { input_tokens: 1, output_tokens: 1 })));
      const anthropic = client({ monitor });
      await monitor.track('query_processing', () => anthropic.messages.create(REQUEST));
      const outer = spans().find((s) => s.name === 'query_processing')!;
      const inner = spans().find((s) => s.name === 'llm_inference')!;
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    });

    it('records no prompt or completion text by default; with captureContent it does', async () => {
      const quiet = setup();
      server.reply(json(200, message('Blue.', { input_tokens: 1, output_tokens: 1 })));
      await client({ monitor: quiet.monitor }).messages.create(REQUEST);
      expect(JSON.stringify(quiet.span().attributes)).not.toMatch(/sky|Blue|one word/);

      const loud = setup();
      server.reply(json(200, message('Blue.', { input_tokens: 1, output_tokens: 1 })));
      await client({ monitor: loud.monitor, captureContent: true }).messages.create(REQUEST);
      expect(loud.span().attributes).toMatchObject({
        'gen_ai.prompt': 'system: You answer in one word.\nuser: What colour is the sky on a clear day?',
        'gen_ai.completion': 'Blue.',
      });
    });

    it('follows the monitor’s captureContent unless the wrap option says otherwise', async () => {
      const capturing = setup({ captureContent: true });
      server.reply(json(200, message('Blue.')));
      await client({ monitor: capturing.monitor }).messages.create(REQUEST);
      expect(capturing.span().attributes['gen_ai.completion']).toBe('Blue.');

      const overridden = setup({ captureContent: true });
      server.reply(json(200, message('Blue.'))); // no usage: the tokenizer counts, and must not record text
      await client({ monitor: overridden.monitor, captureContent: false }).messages.create(REQUEST);
      const attrs = overridden.span().attributes;
      expect(JSON.stringify(attrs)).not.toMatch(/sky|Blue/);
      expect(attrs['gen_ai.usage.output_tokens']).toBe(countTokens('Blue.'));
    });

    it('leaves messages.countTokens alone', async () => {
      const { monitor, op } = setup();
      const anthropic = client({ monitor });
      server.reply(json(200, { input_tokens: 14 }));
      const counted = await anthropic.messages.countTokens({ model: MODEL, messages: MESSAGES });
      expect(counted.input_tokens).toBe(14);
      expect(server.requests.at(-1)!.path).toBe('/v1/messages/count_tokens');
      expect(await op()).toBeUndefined();
    });
  });

  describe('messages.create with stream: true', () => {
    it('lasts until the stream is consumed; TTFT from the first content delta, not message_start', async () => {
      const { monitor, span, op } = setup();
      server.reply(
        sse(
          messageStream({
            parts: ['The', ' sky', ' is', ' blue.'],
            startDelayMs: 0,
            firstDeltaDelayMs: 300,
            partDelayMs: 50,
            finishDelayMs: 200,
            startUsage: { input_tokens: 21, cache_read_input_tokens: 4 },
            outputTokens: 4,
          }),
        ),
      );
      const stream = await client({ monitor }).messages.create({ ...REQUEST, stream: true });
      expect(await op()).toBeUndefined(); // headers are in, the operation is not over
      const events = await drain(stream);
      expect(streamText(events)).toBe('The sky is blue.');
      expect((events as Event[]).map((e) => e.type)).not.toContain('ping');

      const report = await op();
      // input from message_start (plus the cache read), output from the final message_delta
      // (message_start's placeholder output count of 1 is not taken).
      expect(report).toMatchObject({ total: 1, successful: 1, tokens: { input: 25, output: 4 } });
      // The server spends 300 + 3 × 50 + 200 ms after the headers; message_start, the empty
      // block start and a ping come at once.
      expect(report!.duration.max).toBeGreaterThanOrEqual(0.6);
      expect(report!.time_to_first_token!.count).toBe(1);
      expect(report!.time_to_first_token!.p50).toBeGreaterThanOrEqual(0.28);
      expect(span().attributes).toMatchObject({
        'gen_ai.response.model': RESPONSE_MODEL,
        'gen_ai.response.id': 'msg_02',
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.cache_read.input_tokens': 4,
        'http.response.status_code': 200,
      });
    });

    it('counts tokens with the tokenizer when the stream carries no usage', async () => {
      const { monitor, span } = setup();
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is', ' blue.'] })));
      const stream = await client({ monitor }).messages.create({ ...REQUEST, stream: true });
      await drain(stream);
      expect(span().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': countTokens('The sky is blue.'),
        'rag.operation.tokens_from_text': true,
      });
    });

    it('ends the operation when the consumer breaks out of the loop', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(messageStream({ parts: ['The sky', ' is', ' blue.'], partDelayMs: 5000, startUsage: { input_tokens: 21 } })));
      const stream = await client({ monitor }).messages.create({ ...REQUEST, stream: true });
      for await (const event of stream) {
        if (event.type === 'content_block_delta') break;
      }
      // The server would send the rest 5 s apart: the operation ended at the break.
      expect(await op()).toMatchObject({ total: 1, successful: 1, tokens: { input: 21 } });
      // No final message_delta: output counted from what arrived, not message_start's placeholder (1).
      expect(countTokens('The sky')).not.toBe(1);
      expect(span().attributes['gen_ai.usage.output_tokens']).toBe(countTokens('The sky'));
      expect(stream.controller.signal.aborted).toBe(true); // the client cancelled the request, as unwrapped
    });

    it('records a stream cut mid-way as a failure; the caller gets the client’s error', async () => {
      const { monitor, span, op } = setup();
      const { anthropic, below } = spied(monitor);
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 20, cutAfter: 2 })));

      const stream = await anthropic.messages.create({ ...REQUEST, stream: true });
      const seen: unknown[] = [];
      const caught = await settle(
        (async () => {
          for await (const event of stream) seen.push(event);
        })(),
      );
      expect(streamText(seen)).toBe('The sky');
      expect(caught).toBeDefined();
      expect(caught).toBe(below.streamErrors[0]);

      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      // The class name in an application. Under jest the error comes from Node's fetch, in
      // another realm than the test's Error class, and the core records such errors as _OTHER.
      expect([(caught as Error).constructor.name, '_OTHER']).toContain(span().attributes['error.type']);
      expect(span().status.code).toBe(2);
      expect(span().attributes['gen_ai.usage.output_tokens']).toBe(countTokens('The sky'));
    });

    it('records an error event mid-stream (overloaded) as a failure; the caller gets the client’s APIError', async () => {
      const { monitor, span, op } = setup();
      const { anthropic, below } = spied(monitor);
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is'], errorAfter: 1 })));
      const stream = await anthropic.messages.create({ ...REQUEST, stream: true });
      const caught = await settle(drain(stream));
      expect(caught).toBeInstanceOf(Anthropic.APIError);
      expect(caught).toBe(below.streamErrors[0]);
      expect((caught as { error?: unknown }).error).toMatchObject({ error: { type: 'overloaded_error' } });
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes).toMatchObject({ 'error.type': 'APIError', 'http.response.status_code': 200 });
    });

    it('records an abort mid-stream as APIUserAbortError (the client ends the loop quietly)', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 300 })));
      const controller = new AbortController();
      const stream = await client({ monitor }).messages.create({ ...REQUEST, stream: true }, { signal: controller.signal });
      const seen: string[] = [];
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          seen.push(event.delta.text);
          controller.abort();
        }
      }
      expect(seen).toEqual(['The']);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('records stream.controller.abort() mid-stream the same way', async () => {
      const { monitor, span } = setup();
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 300 })));
      const stream = await client({ monitor }).messages.create({ ...REQUEST, stream: true });
      let deltas = 0;
      for await (const event of stream) {
        if (event.type === 'content_block_delta') {
          deltas++;
          stream.controller.abort();
        }
      }
      expect(deltas).toBe(1);
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('keeps the Stream: controller, tee() and toReadableStream() work, one operation each', async () => {
      const { monitor, op } = setup();
      const anthropic = client({ monitor });
      const script = { parts: ['a', 'b', 'c'], startUsage: { input_tokens: 5 }, outputTokens: 3 };

      server.reply(sse(messageStream(script)));
      const stream = await anthropic.messages.create({ ...REQUEST, stream: true });
      expect(stream.controller).toBeInstanceOf(AbortController);
      const [left, right] = stream.tee();
      const [l, r] = await Promise.all([drain(left), drain(right)]);
      expect(streamText(l)).toBe('abc');
      expect(streamText(r)).toBe('abc');

      server.reply(sse(messageStream(script)));
      const again = await anthropic.messages.create({ ...REQUEST, stream: true });
      const text = await new Response(again.toReadableStream()).text();
      // message_start, block start, 3 deltas, block stop, message_delta, message_stop (no ping)
      expect(text.trim().split('\n')).toHaveLength(8);

      server.reply(sse(messageStream(script)));
      const { data, response } = await anthropic.messages.create({ ...REQUEST, stream: true }).withResponse();
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(streamText(await drain(data))).toBe('abc');

      expect(await op()).toMatchObject({ total: 3, successful: 3, tokens: { input: 15, output: 9 } });
    });
  });

  describe('messages.stream()', () => {
    it('is recorded through create(): tokens, TTFT and the stream’s whole lifetime', async () => {
      const { monitor, span, op } = setup();
      server.reply(
        sse(messageStream({ parts: ['Bl', 'ue.'], firstDeltaDelayMs: 200, finishDelayMs: 100, startUsage: { input_tokens: 9 }, outputTokens: 2 })),
      );
      const texts: string[] = [];
      const final = await client({ monitor })
        .messages.stream(REQUEST)
        .on('text', (text) => void texts.push(text))
        .finalMessage();
      expect(texts).toEqual(['Bl', 'ue.']);
      expect(final.content[0]).toMatchObject({ type: 'text', text: 'Blue.' });
      const report = await op();
      expect(report).toMatchObject({ total: 1, successful: 1, tokens: { input: 9, output: 2 } });
      expect(report!.time_to_first_token!.p50).toBeGreaterThanOrEqual(0.18);
      expect(report!.duration.max).toBeGreaterThanOrEqual(0.28);
      expect(span().attributes).toMatchObject({ 'gen_ai.response.id': 'msg_02', 'gen_ai.response.finish_reasons': ['end_turn'] });
    });

    it('records MessageStream.abort() as APIUserAbortError; the helper rejects as unwrapped', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(messageStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 300 })));
      const stream = client({ monitor }).messages.stream(REQUEST);
      stream.on('text', () => stream.abort());
      const caught = await settle(stream.finalMessage());
      expect(caught).toBeInstanceOf(Anthropic.APIUserAbortError);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('records a failed request; the helper’s error is the client’s', async () => {
      const { monitor, span } = setup();
      server.reply(json(429, errorBody('rate_limit_error', 'slow down')));
      const caught = await settle(client({ monitor }).messages.stream(REQUEST).finalMessage());
      expect(caught).toBeInstanceOf(Anthropic.RateLimitError);
      expect(span().attributes).toMatchObject({ 'error.type': 'RateLimitError', 'http.response.status_code': 429 });
    });
  });

  describe('wrapping', () => {
    it('wraps the client in place, leaves prototypes and other clients alone, and never stacks', async () => {
      const { monitor, op } = setup();
      const plain = newClient();
      const proto = Object.getPrototypeOf(plain.messages) as { create: unknown };
      const protoCreate = proto.create;

      const wrapped = newClient();
      expect(wrapAnthropic(wrapped, { monitor })).toBe(wrapped);
      const first = wrapped.messages.create;
      wrapAnthropic(wrapped, { monitor });
      expect(wrapped.messages.create).not.toBe(protoCreate);
      expect(proto.create).toBe(protoCreate);
      expect(plain.messages.create).toBe(protoCreate);
      expect(first).not.toBe(protoCreate);

      server.reply(json(200, message('a', { input_tokens: 1, output_tokens: 1 })));
      await wrapped.messages.create(REQUEST);
      server.reply(json(200, message('b', { input_tokens: 1, output_tokens: 1 })));
      await plain.messages.create(REQUEST);
      expect(await op()).toMatchObject({ total: 1 });
    });

    it('wraps the clients withOptions() makes', async () => {
      const { monitor, op } = setup();
      server.reply(json(200, message('a', { input_tokens: 1, output_tokens: 1 })));
      await client({ monitor }).withOptions({ timeout: 5000 }).messages.create(REQUEST);
      expect(await op()).toMatchObject({ total: 1 });
    });

    it('records on the global monitor of the moment of each call, by default', async () => {
      const anthropic = client();
      server.reply(json(200, message('a', { input_tokens: 1, output_tokens: 1 })));
      await anthropic.messages.create(REQUEST);
      const before = getPerformanceMonitor();
      monitors.push(before);
      expect(await before.getOperationCount('llm_inference')).toBe(1);

      const started = startRagMeter({ prometheus: false, otlp: false, hostMetrics: false, handleSignals: false });
      monitors.push(started);
      expect(started).not.toBe(before);
      server.reply(json(200, message('b', { input_tokens: 1, output_tokens: 1 })));
      await anthropic.messages.create(REQUEST);
      expect(await started.getOperationCount('llm_inference')).toBe(1);
      expect(await before.getOperationCount('llm_inference')).toBe(1);
    });

    it('sets providerName as gen_ai.provider.name', async () => {
      const { monitor, span } = setup();
      server.reply(json(200, message('a', { input_tokens: 1, output_tokens: 1 })));
      await client({ monitor, providerName: 'aws.bedrock' }).messages.create(REQUEST);
      expect(span().attributes['gen_ai.provider.name']).toBe('aws.bedrock');
    });
  });
});

describe('wrapAnthropic with the 1.x client’s own OpenTelemetry spans on', () => {
  // The client then returns a derived APIPromise (`_thenUnwrap`) and ends its own span with the
  // parse or the stream: ragmeter records the same, and does not end the client's span early.
  const traced = (monitor: PerformanceMonitor) => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const anthropic = new Anthropic1({
      apiKey: 'sk-ant-test',
      baseURL: server.baseURL,
      maxRetries: 0,
      openTelemetry: { tracerProvider, propagation: false },
    });
    return { anthropic: wrapAnthropic(anthropic, { monitor }), clientSpans: () => exporter.getFinishedSpans() };
  };

  it('records a plain call and a stream; the client’s span of a stream ends when it is read', async () => {
    const { monitor, op } = setup();
    const { anthropic, clientSpans } = traced(monitor);
    server.reply(json(200, message('Blue.', { input_tokens: 21, output_tokens: 2 })));
    await anthropic.messages.create(REQUEST);
    expect(clientSpans()).toHaveLength(1);

    server.reply(sse(messageStream({ parts: ['a', 'b'], partDelayMs: 20, startUsage: { input_tokens: 5 }, outputTokens: 2 })));
    const stream = await anthropic.messages.create({ ...REQUEST, stream: true });
    await sleep(10);
    expect(clientSpans()).toHaveLength(1); // the stream's span is still open
    expect(streamText(await drain(stream))).toBe('ab');
    expect(clientSpans()).toHaveLength(2);
    expect(await op()).toMatchObject({ total: 2, successful: 2, tokens: { input: 26, output: 4 } });
    expect((await op())!.time_to_first_token!.count).toBe(1);
  });

  it('nests the client’s span under the operation when the application has a global context manager', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    expect(context.setGlobalContextManager(manager)).toBe(true);
    try {
      const { monitor, span } = setup();
      const { anthropic, clientSpans } = traced(monitor);
      server.reply(json(200, message('Blue.', { input_tokens: 21, output_tokens: 2 })));
      await anthropic.messages.create(REQUEST);
      const [clientSpan] = clientSpans();
      expect(clientSpan!.parentSpanContext?.spanId).toBe(span().spanContext().spanId);
      expect(clientSpan!.spanContext().traceId).toBe(span().spanContext().traceId);
    } finally {
      context.disable();
    }
  });

  it('records messages.parse(), which calls create()', async () => {
    const { monitor, op } = setup();
    const { anthropic } = traced(monitor);
    server.reply(json(200, message('Blue.', { input_tokens: 21, output_tokens: 2 })));
    const parsed = await anthropic.messages.parse(REQUEST);
    expect(parsed.content[0]).toMatchObject({ type: 'text', text: 'Blue.' });
    expect(await op()).toMatchObject({ total: 1, successful: 1, tokens: { input: 21, output: 2 } });
  });

  it('records a failure; the caller gets the client’s error', async () => {
    const { monitor, span } = setup();
    const { anthropic } = traced(monitor);
    server.reply(json(529, errorBody('overloaded_error', 'Overloaded')));
    const caught = await settle(anthropic.messages.create(REQUEST));
    expect(caught).toBeInstanceOf(Anthropic1.OverloadedError);
    expect(span().attributes).toMatchObject({ 'error.type': 'OverloadedError', 'http.response.status_code': 529 });
  });
});

describe('wrapAnthropic arguments', () => {
  it('rejects what is not a client, and unknown options, with a TypeError', () => {
    for (const notAClient of [undefined, null, 42, 'anthropic', {}, { messages: {} }, () => undefined]) {
      expect(() => wrapAnthropic(notAClient as unknown as object)).toThrow(TypeError);
    }
    expect(() => wrapAnthropic({})).toThrow(/needs an Anthropic client \(one with messages.create\)/);
    expect(() => wrapAnthropic(undefined as unknown as object)).toThrow(/got undefined/);
    const anthropic = new Anthropic1({ apiKey: 'sk-ant-test' });
    expect(() => wrapAnthropic(anthropic, { captureContnet: true } as never)).toThrow(/unknown wrapAnthropic option "captureContnet"/);
    expect(() => wrapAnthropic(anthropic, { monitor: {} as never })).toThrow(/PerformanceMonitor/);
    expect(() => wrapAnthropic(anthropic, { captureContent: 'yes' as never })).toThrow(/captureContent/);
    expect(() => wrapAnthropic(anthropic, { providerName: '' })).toThrow(/providerName/);
  });
});

describe('unhandled rejections', () => {
  it('are listened for on the process Node reports them to', () => {
    expect(realProcess).not.toBe(process);
    expect(realProcess.listeners('unhandledRejection')).toContain(onUnhandled);
  });

  it('none happened in this file', () => {
    expect(unhandled).toEqual([]);
  });
});
