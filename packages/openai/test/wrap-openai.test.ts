import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { wrapOpenAI } from '@ragmeter/openai';
import { countTokens, getPerformanceMonitor, PerformanceMonitor, startRagMeter, type RagMeterOptions } from '@ragmeter/sdk';
import OpenAI7 from 'openai';
import OpenAI6 from 'openai-v6';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInThisContext } from 'node:vm';
import {
  MODEL,
  RESPONSE_MODEL,
  chatCompletion,
  chatStream,
  delayed,
  embeddingList,
  errorBody,
  json,
  responseObject,
  responseStream,
  sse,
  startFakeOpenAI,
  type FakeOpenAI,
  type Reply,
} from './helpers/fake-openai';

// Every test drives the real `openai` client (7.x and 6.x) against a local server speaking the
// OpenAI HTTP API, and reads what ragmeter recorded from its report and its spans.

const CLIENTS: [string, typeof OpenAI7][] = [
  ['openai 7', OpenAI7],
  ['openai 6', OpenAI6 as unknown as typeof OpenAI7],
];

// Jest gives tests a process object of their own, which Node does not report unhandled
// rejections to: the listener goes on the real one, the process of the main context.
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
realProcess.on('unhandledRejection', onUnhandled);
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
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

const MESSAGES = [
  { role: 'system' as const, content: 'You answer in one word.' },
  { role: 'user' as const, content: 'What colour is the sky on a clear day?' },
];
const PROMPT_TOKENS = countTokens(MESSAGES.map((m) => m.content));

/** Chunks/events of a stream, read to the end. */
async function drain(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const chatText = (chunks: unknown[]) =>
  chunks.map((c) => (c as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '').join('');

/**
 * Records, below our wrapper, what the client itself returns and throws: the APIPromise of each
 * call and every error its stream iterators raise. Installed before wrapOpenAI, so it is the
 * `create` our wrapper calls.
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
      const value = (await parse(client, props).catch((error: unknown) => {
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
  (Object.getPrototypeOf(promise) as { asResponse(): Promise<unknown> }).asResponse.call(promise).then(
    () => undefined,
    (error: unknown) => error,
  );

describe.each(CLIENTS)('wrapOpenAI with %s', (_name, OpenAI) => {
  const client = (wrapOptions: Parameters<typeof wrapOpenAI>[1] = {}, clientOptions: Partial<ConstructorParameters<typeof OpenAI7>[0]> = {}) =>
    wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0, ...clientOptions }), wrapOptions);

  describe('chat.completions.create', () => {
    it('records an llm_inference operation with the usage tokens and GenAI attributes', async () => {
      const { monitor, span, op } = setup();
      server.reply(json(200, chatCompletion('Blue.', { prompt_tokens: 21, completion_tokens: 2 })));
      const completion = await client({ monitor }).chat.completions.create({
        model: MODEL,
        messages: MESSAGES,
        temperature: 0,
        max_tokens: 5,
        top_p: 1,
        stop: 'END',
      });
      expect(completion.choices[0]!.message.content).toBe('Blue.');

      const report = await op();
      expect(report).toMatchObject({ total: 1, successful: 1, failed: 0, tokens: { input: 21, output: 2, total: 23 } });
      expect(span().attributes).toMatchObject({
        'rag.operation.type': 'llm_inference',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': MODEL,
        'gen_ai.request.temperature': 0,
        'gen_ai.request.max_tokens': 5,
        'gen_ai.request.top_p': 1,
        'gen_ai.request.stop_sequences': ['END'],
        'gen_ai.response.model': RESPONSE_MODEL,
        'gen_ai.response.id': 'chatcmpl-1',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 2,
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(server.baseURL).port),
      });
    });

    it('returns the very APIPromise the client made; withResponse() and asResponse() work', async () => {
      const { monitor, op } = setup();
      const wrapped = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const below = spyBelow(wrapped.chat.completions);
      wrapOpenAI(wrapped, { monitor });

      server.reply(json(200, chatCompletion('One.', { prompt_tokens: 3, completion_tokens: 1 })));
      const promise = wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(promise).toBe(below.promises[0]);
      const { data, response, request_id } = await promise.withResponse();
      expect(data.choices[0]!.message.content).toBe('One.');
      expect(response.status).toBe(200);
      expect(request_id).toBe('req_fake');
      expect((data as { _request_id?: string })._request_id).toBe('req_fake');

      // The raw Response alone: the caller reads the body, the operation ends at the headers.
      server.reply(json(200, chatCompletion('Two.', { prompt_tokens: 3, completion_tokens: 1 })));
      const raw = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }).asResponse();
      expect(((await raw.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('Two.');

      expect(await op()).toMatchObject({ total: 2, successful: 2 });
    });

    it('falls back to the tokenizer when the server reports no usage', async () => {
      const { monitor, span } = setup();
      server.reply(json(200, chatCompletion('The sky is blue.')));
      await client({ monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(span().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': countTokens('The sky is blue.'),
      });
    });

    it.each([
      [429, 'RateLimitError', 'Rate limit reached'],
      [500, 'InternalServerError', 'The server had an error'],
    ])('records HTTP %i as a failure with error.type and status; the caller gets the client error itself', async (status, type, message) => {
      const { monitor, span, op } = setup();
      const wrapped = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const below = spyBelow(wrapped.chat.completions);
      wrapOpenAI(wrapped, { monitor });
      server.reply(json(status, errorBody(message, 'server_error')));

      const promise = wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const caught = await promise.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(caught).toBeInstanceOf(OpenAI.APIError);
      expect(caught).toBe(await requestError(below.promises[0]));
      expect((caught as { status: number }).status).toBe(status);

      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      const s = span();
      expect(s.attributes).toMatchObject({ 'error.type': type, 'http.response.status_code': status });
      expect(s.status.code).toBe(2); // SpanStatusCode.ERROR
    });

    it('records a body cut mid-way as a failure; the caller gets the client’s error', async () => {
      const { monitor, span, op } = setup();
      const wrapped = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const below = spyBelow(wrapped.chat.completions);
      wrapOpenAI(wrapped, { monitor });
      server.reply(async (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"chatcmpl-1","choices":[{"index":0,');
        await sleep(20);
        res.socket?.destroy();
      });
      const caught = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(caught).toBeDefined();
      expect(caught).toBe(below.parseErrors[0]);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['http.response.status_code']).toBe(200);
    });

    it('records a failed call nobody awaits, with no unhandled rejection', async () => {
      const { monitor, op } = setup();
      server.reply(json(500, errorBody('boom', 'server_error')));
      void client({ monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      for (let i = 0; i < 50 && (await op())?.failed !== 1; i++) await sleep(20);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      await sleep(20);
      expect(unhandled).toEqual([]);
    });

    it('records an abort before the headers as APIUserAbortError; the caller gets the client error', async () => {
      const { monitor, span } = setup();
      server.reply(delayed(2000, json(200, chatCompletion('late'))));
      const controller = new AbortController();
      const promise = client({ monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const caught = await promise.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(caught).toBeInstanceOf(OpenAI.APIUserAbortError);
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('nests under the caller’s span', async () => {
      const { monitor, spans } = setup();
      server.reply(json(200, chatCompletion('Blue.', { prompt_tokens: 1, completion_tokens: 1 })));
      const openai = client({ monitor });
      await monitor.track('query_processing', () => openai.chat.completions.create({ model: MODEL, messages: MESSAGES }));
      const outer = spans().find((s) => s.name === 'query_processing')!;
      const inner = spans().find((s) => s.name === 'llm_inference')!;
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    });

    it('records no prompt or completion text by default; with captureContent it does', async () => {
      const quiet = setup();
      server.reply(json(200, chatCompletion('Blue.', { prompt_tokens: 1, completion_tokens: 1 })));
      await client({ monitor: quiet.monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(JSON.stringify(quiet.span().attributes)).not.toMatch(/sky|Blue/);

      const loud = setup();
      server.reply(json(200, chatCompletion('Blue.', { prompt_tokens: 1, completion_tokens: 1 })));
      await client({ monitor: loud.monitor, captureContent: true }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(loud.span().attributes).toMatchObject({
        'gen_ai.prompt': 'system: You answer in one word.\nuser: What colour is the sky on a clear day?',
        'gen_ai.completion': 'Blue.',
      });
    });

    it('follows the monitor’s captureContent unless the wrap option says otherwise', async () => {
      const capturing = setup({ captureContent: true });
      server.reply(json(200, chatCompletion('Blue.')));
      await client({ monitor: capturing.monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(capturing.span().attributes['gen_ai.completion']).toBe('Blue.');

      const overridden = setup({ captureContent: true });
      server.reply(json(200, chatCompletion('Blue.'))); // no usage: the tokenizer counts, and must not record text
      await client({ monitor: overridden.monitor, captureContent: false }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      const attrs = overridden.span().attributes;
      expect(JSON.stringify(attrs)).not.toMatch(/sky|Blue/);
      expect(attrs['gen_ai.usage.output_tokens']).toBe(countTokens('Blue.'));
    });
  });

  describe('chat.completions.create with stream: true', () => {
    it('lasts until the stream is consumed; TTFT from the first content delta, not the role chunk', async () => {
      const { monitor, span, op } = setup();
      server.reply(
        sse(
          chatStream({
            parts: ['The', ' sky', ' is', ' blue.'],
            roleDelayMs: 0,
            firstContentDelayMs: 300,
            partDelayMs: 50,
            finishDelayMs: 200,
            usage: { prompt_tokens: 21, completion_tokens: 4 },
          }),
        ),
      );
      const stream = await client({ monitor }).chat.completions.create({
        model: MODEL,
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(await op()).toBeUndefined(); // headers are in, the operation is not over
      expect(chatText(await drain(stream))).toBe('The sky is blue.');

      const report = await op();
      expect(report).toMatchObject({ total: 1, successful: 1, tokens: { input: 21, output: 4 } });
      // The server spends 300 + 3 × 50 + 200 ms after the headers; the role chunk comes at once.
      expect(report!.duration.max).toBeGreaterThanOrEqual(0.6);
      expect(report!.time_to_first_token!.count).toBe(1);
      expect(report!.time_to_first_token!.p50).toBeGreaterThanOrEqual(0.28);
      expect(span().attributes).toMatchObject({
        'gen_ai.response.model': RESPONSE_MODEL,
        'gen_ai.response.id': 'chatcmpl-2',
        'gen_ai.response.finish_reasons': ['stop'],
        'http.response.status_code': 200,
      });
    });

    it('counts tokens with the tokenizer when the stream carries no usage', async () => {
      const { monitor, span } = setup();
      server.reply(sse(chatStream({ parts: ['The', ' sky', ' is', ' blue.'] })));
      const stream = await client({ monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      await drain(stream);
      expect(span().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': countTokens('The sky is blue.'),
      });
    });

    it('ends the operation when the consumer breaks out of the loop', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(chatStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 5000 })));
      const stream = await client({ monitor }).chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) break;
      }
      // The server would send the rest 5 s apart: the operation ended at the break.
      expect(await op()).toMatchObject({ total: 1, successful: 1 });
      expect(span().attributes['gen_ai.usage.output_tokens']).toBe(countTokens('The'));
      expect(stream.controller.signal.aborted).toBe(true); // the client cancelled the request, as unwrapped
    });

    it('records a stream cut mid-way as a failure; the caller gets the client’s error', async () => {
      const { monitor, span, op } = setup();
      const wrapped = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const below = spyBelow(wrapped.chat.completions);
      wrapOpenAI(wrapped, { monitor });
      server.reply(sse(chatStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 20, cutAfter: 2 })));

      const stream = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      const seen: string[] = [];
      const caught = await (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta?.content ?? '');
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(seen.join('')).toBe('The sky');
      expect(caught).toBeDefined();
      expect(caught).toBe(below.streamErrors[0]);

      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      // The class name in an application. Under jest the error comes from Node's fetch, in
      // another realm than the test's Error class, and the core records such errors as _OTHER.
      expect([(caught as Error).constructor.name, '_OTHER']).toContain(span().attributes['error.type']);
      expect(span().status.code).toBe(2);
    });

    it('records an abort mid-stream as APIUserAbortError (the client ends the loop quietly)', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(chatStream({ parts: ['The', ' sky', ' is', ' blue.'], partDelayMs: 300 })));
      const controller = new AbortController();
      const stream = await client({ monitor }).chat.completions.create(
        { model: MODEL, messages: MESSAGES, stream: true },
        { signal: controller.signal },
      );
      const seen: string[] = [];
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) {
          seen.push(text);
          controller.abort();
        }
      }
      expect(seen).toEqual(['The']);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes['error.type']).toBe('APIUserAbortError');
    });

    it('keeps the Stream: controller, tee() and toReadableStream() work, one operation each', async () => {
      const { monitor, op } = setup();
      const openai = client({ monitor });
      const script = { parts: ['a', 'b', 'c'], usage: { prompt_tokens: 5, completion_tokens: 3 } };

      server.reply(sse(chatStream(script)));
      const stream = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      expect(stream).toBeInstanceOf(Object.getPrototypeOf(stream).constructor);
      expect(stream.controller).toBeInstanceOf(AbortController);
      const [left, right] = stream.tee();
      const [l, r] = await Promise.all([drain(left), drain(right)]);
      expect(chatText(l)).toBe('abc');
      expect(chatText(r)).toBe('abc');

      server.reply(sse(chatStream(script)));
      const again = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      const text = await new Response(again.toReadableStream()).text();
      expect(text.trim().split('\n')).toHaveLength(6); // role, 3 deltas, finish, usage

      server.reply(sse(chatStream(script)));
      const { data, response } = await openai.chat.completions
        .create({ model: MODEL, messages: MESSAGES, stream: true })
        .withResponse();
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(chatText(await drain(data))).toBe('abc');

      expect(await op()).toMatchObject({ total: 3, successful: 3, tokens: { input: 15, output: 9 } });
    });

    it('records the client’s parse() helper, which calls create()', async () => {
      const { monitor, op } = setup();
      server.reply(json(200, chatCompletion('{"colour":"blue"}', { prompt_tokens: 9, completion_tokens: 4 })));
      const parsed = await client({ monitor }).chat.completions.parse({
        model: MODEL,
        messages: MESSAGES,
        response_format: { type: 'json_object' },
      });
      expect(parsed.choices[0]!.message.content).toBe('{"colour":"blue"}');
      expect(await op()).toMatchObject({ total: 1, tokens: { input: 9, output: 4 } });
    });

    it('records the client’s stream() helper, which calls create()', async () => {
      const { monitor, op } = setup();
      server.reply(sse(chatStream({ parts: ['x', 'y'], usage: { prompt_tokens: 4, completion_tokens: 2 } })));
      const runner = client({ monitor }).chat.completions.stream({ model: MODEL, messages: MESSAGES });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0]!.message.content).toBe('xy');
      expect(await op()).toMatchObject({ total: 1, successful: 1, tokens: { input: 4, output: 2 } });
    });
  });

  describe('responses.create', () => {
    it('records a plain response with its usage', async () => {
      const { monitor, span, op } = setup();
      server.reply(json(200, responseObject('Blue.')));
      const response = await client({ monitor }).responses.create({ model: MODEL, input: 'What colour is the sky?', max_output_tokens: 20 });
      expect(response.output_text).toBe('Blue.');
      expect(await op()).toMatchObject({ total: 1, successful: 1, tokens: { input: 11, output: 7 } });
      expect(span().attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.max_tokens': 20,
        'gen_ai.response.id': 'resp_1',
        'gen_ai.response.model': RESPONSE_MODEL,
        'gen_ai.response.finish_reasons': ['stop'],
      });
    });

    it('follows a streamed response: TTFT from the first text delta, usage from response.completed', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(responseStream({ parts: ['Bl', 'ue', '.'], createdDelayMs: 0, firstDeltaDelayMs: 300, partDelayMs: 50 })));
      const stream = await client({ monitor }).responses.create({ model: MODEL, input: 'What colour is the sky?', stream: true });
      const events = (await drain(stream)) as { type: string }[];
      expect(events.at(-1)!.type).toBe('response.completed');
      const report = await op();
      expect(report).toMatchObject({ total: 1, successful: 1, tokens: { input: 13, output: 5 } });
      expect(report!.duration.max).toBeGreaterThanOrEqual(0.38);
      expect(report!.time_to_first_token!.p50).toBeGreaterThanOrEqual(0.28);
      expect(span().attributes).toMatchObject({ 'gen_ai.response.id': 'resp_2', 'gen_ai.response.model': RESPONSE_MODEL });
    });

    it('records the client’s responses.stream() helper, which calls create()', async () => {
      const { monitor, op } = setup();
      server.reply(sse(responseStream({ parts: ['Bl', 'ue.'] })));
      const final = await client({ monitor }).responses.stream({ model: MODEL, input: 'What colour is the sky?' }).finalResponse();
      expect(final.output_text).toBe('Blue.');
      expect(await op()).toMatchObject({ total: 1, successful: 1, tokens: { input: 13, output: 5 } });
      expect((await op())!.time_to_first_token!.count).toBe(1);
    });

    it('records response.failed as a failure', async () => {
      const { monitor, span, op } = setup();
      server.reply(sse(responseStream({ parts: ['B'], outcome: 'failed' })));
      const stream = await client({ monitor }).responses.create({ model: MODEL, input: 'Hi', stream: true });
      await drain(stream);
      expect(await op()).toMatchObject({ total: 1, failed: 1 });
      expect(span().attributes).toMatchObject({ 'error.type': 'ResponseFailedError', 'gen_ai.response.finish_reasons': ['failed'] });
    });
  });

  describe('embeddings.create', () => {
    const embeddings = (usage: boolean): Reply => (res, req) => {
      const list = embeddingList(2, 8, usage);
      if (req.body.encoding_format === 'base64') {
        for (const item of list.data) {
          (item as { embedding: unknown }).embedding = Buffer.from(new Float32Array(item.embedding).buffer).toString('base64');
        }
      }
      return json(200, list)(res, req);
    };

    it('records an embedding_generation operation with input tokens and dimensions', async () => {
      const { monitor, span, op } = setup();
      server.reply(embeddings(true));
      const result = await client({ monitor }).embeddings.create({ model: 'text-embedding-3-small', input: ['sky', 'sea'] });
      expect(result.data[0]!.embedding).toHaveLength(8);
      expect(await op('embedding_generation')).toMatchObject({ total: 1, successful: 1, tokens: { input: 6, output: 0 } });
      expect(span('embedding_generation').attributes).toMatchObject({
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'text-embedding-3-small',
        'gen_ai.response.model': 'text-embedding-3-small',
        'gen_ai.embeddings.dimension.count': 8,
        'gen_ai.usage.input_tokens': 6,
      });
    });

    it('counts input tokens with the tokenizer when the server reports no usage', async () => {
      const { monitor, span } = setup();
      server.reply(embeddings(false));
      await client({ monitor }).embeddings.create({ model: 'm', input: ['the sky', 'the sea'], encoding_format: 'float' });
      expect(span('embedding_generation').attributes['gen_ai.usage.input_tokens']).toBe(countTokens(['the sky', 'the sea']));
    });
  });

  describe('wrapping', () => {
    it('wraps the client in place, leaves prototypes and other clients alone, and never stacks', async () => {
      const { monitor, op } = setup();
      const plain = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      const proto = Object.getPrototypeOf(plain.chat.completions) as { create: unknown };
      const protoCreate = proto.create;

      const wrapped = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
      expect(wrapOpenAI(wrapped, { monitor })).toBe(wrapped);
      wrapOpenAI(wrapped, { monitor });
      expect(proto.create).toBe(protoCreate);
      expect(plain.chat.completions.create).toBe(protoCreate);

      server.reply(json(200, chatCompletion('a', { prompt_tokens: 1, completion_tokens: 1 })));
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      server.reply(json(200, chatCompletion('b', { prompt_tokens: 1, completion_tokens: 1 })));
      await plain.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(await op()).toMatchObject({ total: 1 });
    });

    it('wraps the clients withOptions() makes', async () => {
      const { monitor, op } = setup();
      server.reply(json(200, chatCompletion('a', { prompt_tokens: 1, completion_tokens: 1 })));
      await client({ monitor }).withOptions({ timeout: 5000 }).chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(await op()).toMatchObject({ total: 1 });
    });

    it('records on the global monitor of the moment of each call, by default', async () => {
      const openai = client();
      server.reply(json(200, chatCompletion('a', { prompt_tokens: 1, completion_tokens: 1 })));
      await openai.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const before = getPerformanceMonitor();
      monitors.push(before);
      expect(await before.getOperationCount('llm_inference')).toBe(1);

      const started = startRagMeter({ prometheus: false, otlp: false, hostMetrics: false, handleSignals: false });
      monitors.push(started);
      expect(started).not.toBe(before);
      server.reply(json(200, chatCompletion('b', { prompt_tokens: 1, completion_tokens: 1 })));
      await openai.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(await started.getOperationCount('llm_inference')).toBe(1);
      expect(await before.getOperationCount('llm_inference')).toBe(1);
    });
  });
});

describe('wrapOpenAI arguments', () => {
  it('rejects what is not a client, and unknown options', () => {
    expect(() => wrapOpenAI(undefined as unknown as object)).toThrow(TypeError);
    expect(() => wrapOpenAI({})).toThrow(/none of chat.completions.create/);
    const openai = new OpenAI7({ apiKey: 'sk-test' });
    expect(() => wrapOpenAI(openai, { captureContnet: true } as never)).toThrow(/unknown wrapOpenAI option "captureContnet"/);
    expect(() => wrapOpenAI(openai, { monitor: {} as never })).toThrow(/PerformanceMonitor/);
    expect(() => wrapOpenAI(openai, { captureContent: 'yes' as never })).toThrow(/captureContent/);
    expect(() => wrapOpenAI(openai, { providerName: '' })).toThrow(/providerName/);
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

