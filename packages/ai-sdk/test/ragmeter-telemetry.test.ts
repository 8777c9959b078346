import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ragmeterTelemetry, type RagMeterTelemetryOptions } from '@ragmeter/ai-sdk';
import { countTokens, PerformanceMonitor, type RagMeterOptions } from '@ragmeter/sdk';
import { APICallError, embed, embedMany, generateObject, generateText, jsonSchema, registerTelemetry, rerank, RetryError, stepCountIs, streamObject, streamText, tool } from 'ai';
import { MockEmbeddingModelV4, MockLanguageModelV4, simulateReadableStream } from 'ai/test';
import { runInThisContext } from 'node:vm';
import {
  embeddingModel,
  failingStreamModel,
  generated,
  INPUT_TOKENS,
  MODEL,
  OUTPUT_TOKENS,
  PROVIDER,
  ProviderDown,
  RESPONSE_MODEL,
  rerankingModel,
  streamModel,
  textChunks,
  textModel,
  usage,
} from './helpers/models';
import { MAX_OPEN_CALLS } from '../src/integration';

// Every test runs the real `ai` package with its own test doubles (`ai/test`) and reads what
// ragmeter recorded from its report and its spans.

// Jest gives tests a process object of their own, which Node does not report unhandled
// rejections to: the listener goes on the real one, the process of the main context.
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
realProcess.on('unhandledRejection', onUnhandled);
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));

const monitors: PerformanceMonitor[] = [];
afterEach(async () => {
  delete (globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown }).AI_SDK_TELEMETRY_INTEGRATIONS;
  await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
  expect(unhandled).toEqual([]);
});

function setup(options: RagMeterOptions = {}, telemetryOptions: RagMeterTelemetryOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)], ...options });
  monitors.push(monitor);
  const telemetry = { integrations: [ragmeterTelemetry({ monitor, ...telemetryOptions })] };
  const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
  const span = (name: string): ReadableSpan => {
    const found = spans(name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const report = () => monitor.generateReport();
  return { monitor, telemetry, spans, span, report };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

async function drain(stream: AsyncIterable<unknown>): Promise<string> {
  let out = '';
  for await (const part of stream) out += String(part);
  return out;
}

describe('generateText', () => {
  it('records the model call as llm_inference with the provider usage, under the whole call', async () => {
    const { telemetry, span, report } = setup();
    const result = await generateText({ model: textModel(generated('Blue.')), prompt: 'What colour is the sky?', telemetry });
    expect(result.text).toBe('Blue.');

    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, successful: 1, failed: 0 });
    expect(operations.llm_inference!.tokens).toMatchObject({ input: INPUT_TOKENS, output: OUTPUT_TOKENS, total: INPUT_TOKENS + OUTPUT_TOKENS });
    expect(operations.llm_inference!.time_to_first_token).toBeUndefined(); // not streamed
    expect(operations.ai_generation).toMatchObject({ total: 1, successful: 1 });

    const llm = span('llm_inference');
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': PROVIDER,
      'gen_ai.request.model': MODEL,
      'gen_ai.response.model': RESPONSE_MODEL,
      'gen_ai.response.id': 'resp-1',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const outer = span('ai_generation');
    expect(outer.attributes).toMatchObject({ 'ai.operation.id': 'ai.generateText', 'gen_ai.request.model': MODEL });
    expect(parentOf(llm)).toBe(idOf(outer));
  });

  it('becomes a child of the ragmeter operation it runs in', async () => {
    const { monitor, telemetry, span } = setup();
    await monitor.track('query_processing', () => generateText({ model: textModel(generated('ok')), prompt: 'q', telemetry }));
    expect(parentOf(span('ai_generation'))).toBe(idOf(span('query_processing')));
    expect(parentOf(span('llm_inference'))).toBe(idOf(span('ai_generation')));
  });

  it('with generationType false, model calls are direct children of the caller', async () => {
    const { monitor, telemetry, span, report } = setup({}, { generationType: false });
    await monitor.track('query_processing', () => generateText({ model: textModel(generated('ok')), prompt: 'q', telemetry }));
    expect(parentOf(span('llm_inference'))).toBe(idOf(span('query_processing')));
    expect((await report()).operations.ai_generation).toBeUndefined();
  });

  it('records each step of a tool loop: model calls and tools under the whole call, work inside a tool under the tool', async () => {
    const { monitor, telemetry, span, spans, report } = setup();
    let executions = 0;
    const search = tool({
      inputSchema: jsonSchema<{ q: string }>({ type: 'object', properties: { q: { type: 'string' } } }),
      execute: async ({ q }) => {
        executions++;
        return monitor.track('document_retrieval', () => `found ${q}`);
      },
    });
    const model = textModel(
      generated([{ type: 'tool-call', toolCallId: 'call-1', toolName: 'search', input: '{"q":"sky"}' }], 'tool-calls'),
      generated('Blue.'),
    );
    const result = await generateText({ model, tools: { search }, stopWhen: stepCountIs(3), prompt: 'q', telemetry });
    expect(result.text).toBe('Blue.');
    expect(executions).toBe(1);

    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 2, successful: 2 });
    expect(operations.llm_inference!.tokens).toMatchObject({ input: 2 * INPUT_TOKENS, output: 2 * OUTPUT_TOKENS });
    expect(operations.tool_execution).toMatchObject({ total: 1, successful: 1 });
    expect(operations.ai_generation).toMatchObject({ total: 1 });

    const outer = span('ai_generation');
    const toolSpan = span('tool_execution');
    expect(toolSpan.attributes).toMatchObject({ 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': 'call-1' });
    expect(parentOf(toolSpan)).toBe(idOf(outer));
    for (const llm of spans('llm_inference')) expect(parentOf(llm)).toBe(idOf(outer));
    expect(spans('llm_inference').map((s) => s.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool-calls'], ['stop']]);
    expect(parentOf(span('document_retrieval'))).toBe(idOf(toolSpan));
  });

  it('fails a tool execution with the error the tool threw', async () => {
    const { telemetry, span, report } = setup();
    const broken = tool({
      inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
      execute: async (): Promise<string> => {
        throw new ProviderDown('index offline');
      },
    });
    const model = textModel(generated([{ type: 'tool-call', toolCallId: 'c', toolName: 'broken', input: '{}' }], 'tool-calls'), generated('sorry'));
    await generateText({ model, tools: { broken }, stopWhen: stepCountIs(3), prompt: 'q', telemetry });
    expect((await report()).operations.tool_execution).toMatchObject({ total: 1, failed: 1 });
    expect(span('tool_execution').attributes['error.type']).toBe('ProviderDown');
  });

  it('counts a model that throws as failed, with error.type, and the caller gets its error unchanged', async () => {
    const { telemetry, span, report } = setup();
    const error = new ProviderDown('503 from upstream');
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw error;
      },
    });
    await expect(generateText({ model, prompt: 'q', maxRetries: 0, telemetry })).rejects.toBe(error);

    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, successful: 0, failed: 1 });
    expect(operations.ai_generation).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('ProviderDown');
    expect(span('ai_generation').attributes['error.type']).toBe('ProviderDown');
  });

  it('counts tokens from the text when the provider reports no usage', async () => {
    const { telemetry, span, report } = setup();
    const prompt = 'What colour is the sky on a clear day?';
    await generateText({ model: textModel(generated('Blue, mostly.', 'stop', false)), prompt, telemetry });
    const tokens = (await report()).operations.llm_inference!.tokens;
    expect(tokens).toMatchObject({ input: countTokens([prompt]), output: countTokens(['Blue, mostly.']) });
    expect(span('llm_inference').attributes['rag.operation.tokens_from_text']).toBe(true);
  });

  it('puts prompt and completion on the span only with captureContent', async () => {
    const off = setup();
    await generateText({ model: textModel(generated('Blue.')), prompt: 'secret question', telemetry: off.telemetry });
    expect(off.span('llm_inference').attributes['gen_ai.prompt']).toBeUndefined();

    const on = setup({}, { captureContent: true });
    await generateText({ model: textModel(generated('Blue.')), prompt: 'secret question', telemetry: on.telemetry });
    expect(on.span('llm_inference').attributes).toMatchObject({ 'gen_ai.prompt': 'secret question', 'gen_ai.completion': 'Blue.' });
  });
});

describe('prompt caching', () => {
  // $2 input, $0.50 cache reads, $2.50 cache writes, $8 output per million tokens
  const pricing = { [MODEL]: { inputPerMillionTokens: 2, outputPerMillionTokens: 8, cachedInputPerMillionTokens: 0.5, cacheWriteInputPerMillionTokens: 2.5 } };
  const cachedUsage = usage(1150, 10, { read: 1000, write: 50 });
  const expectedUsd = (100 * 2 + 1000 * 0.5 + 50 * 2.5 + 10 * 8) / 1e6;

  it('prices cache reads and writes at their own rates, generated or streamed, and puts them on the span', async () => {
    const { telemetry, spans, report } = setup({ pricing });
    await generateText({ model: textModel({ ...generated('Cached.'), usage: cachedUsage }), prompt: 'Again?', telemetry });
    const chunks = textChunks(['Cached', '.']).map((c) => (c.type === 'finish' ? { ...c, usage: cachedUsage } : c));
    const streamed = new MockLanguageModelV4({ provider: PROVIDER, modelId: MODEL, doStream: async () => ({ stream: simulateReadableStream({ chunks }) }) });
    await drain(streamText({ model: streamed, prompt: 'Again?', telemetry }).textStream);

    const llm = (await report()).operations.llm_inference!;
    expect(llm.total).toBe(2);
    expect(llm.tokens.input).toBe(2 * 1150);
    expect(llm.cost!.total_usd).toBeCloseTo(2 * expectedUsd, 15);
    for (const span of spans('llm_inference')) {
      expect(span.attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 1150,
        'gen_ai.usage.cache_read.input_tokens': 1000,
        'gen_ai.usage.cache_creation.input_tokens': 50,
      });
      expect(span.attributes['rag.operation.cost_usd']).toBeCloseTo(expectedUsd, 15);
    }
  });
});

describe('streamText', () => {
  it('records tokens and the time to first output the SDK measured', async () => {
    const { telemetry, report } = setup();
    const delayMs = 60;
    const result = streamText({ model: streamModel(['Bl', 'ue', '.'], delayMs), prompt: 'q', telemetry });
    expect(await drain(result.textStream)).toBe('Blue.');

    const llm = (await report()).operations.llm_inference!;
    expect(llm).toMatchObject({ total: 1, successful: 1 });
    expect(llm.tokens).toMatchObject({ input: INPUT_TOKENS, output: OUTPUT_TOKENS });
    expect(llm.time_to_first_token!.count).toBe(1);
    // The first chunk comes after the stream's initial delay (less a timer firing a little early
    // and the histogram's 1 % error); a time not taken from the stream would be near zero.
    expect(llm.time_to_first_token!.p50).toBeGreaterThanOrEqual((delayMs / 1000) * 0.9);
  });

  it('works from a one-line registerTelemetry() set-up, nested in the caller’s operation', async () => {
    const { monitor, span, report } = setup();
    registerTelemetry(ragmeterTelemetry({ monitor }));
    await monitor.track('query_processing', async () => {
      const result = streamText({ model: streamModel(['ok']), prompt: 'q' });
      return drain(result.textStream);
    });
    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, successful: 1, tokens: { input: INPUT_TOKENS, output: OUTPUT_TOKENS } });
    expect(operations.llm_inference!.time_to_first_token!.count).toBe(1);
    expect(Object.keys(operations).sort()).toEqual(['ai_generation', 'llm_inference', 'query_processing']);
    expect(parentOf(span('ai_generation'))).toBe(idOf(span('query_processing')));
    expect(parentOf(span('llm_inference'))).toBe(idOf(span('ai_generation')));
  });

  it('is left out of calls that opt out with telemetry.isEnabled = false', async () => {
    const { monitor, report } = setup();
    registerTelemetry(ragmeterTelemetry({ monitor }));
    await drain(streamText({ model: streamModel(['ok']), prompt: 'q', telemetry: { isEnabled: false } }).textStream);
    expect(await monitor.getOperationCount()).toBe(0);
    expect((await report()).operations.llm_inference).toBeUndefined();
  });

  it('counts a stream that fails mid-way as failed, and the reader gets the stream’s error', async () => {
    const { telemetry, span, report } = setup();
    const error = new ProviderDown('connection reset');
    const result = streamText({ model: failingStreamModel(error), prompt: 'q', telemetry, onError: () => {} });
    await expect(drain(result.textStream)).rejects.toBe(error);

    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(operations.ai_generation).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('ProviderDown');
  });

  // The SDK hands the error part to the stream's reader, not to telemetry: the model call ends
  // with finish reason 'error', which is what ragmeter records.
  it('counts a stream that sends an error part as failed', async () => {
    const { telemetry, span, report } = setup();
    const error = new ProviderDown('overloaded');
    const chunks = [...textChunks(['Hel']).slice(0, 4), { type: 'error' as const, error }];
    const model = new MockLanguageModelV4({ doStream: { stream: simulateReadableStream({ chunks }) } });
    const result = streamText({ model, prompt: 'q', telemetry, onError: () => {} });
    await drain(result.textStream);

    expect((await report()).operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('FinishReasonError');
    expect(span('ai_generation').attributes['error.type']).toBe('FinishReasonError');
  });
});

describe('generateObject and streamObject', () => {
  const schema = jsonSchema<{ colour: string }>({ type: 'object', properties: { colour: { type: 'string' } }, required: ['colour'] });

  it('records the object model call as llm_inference', async () => {
    const { telemetry, span, report } = setup();
    const { object } = await generateObject({ model: textModel(generated('{"colour":"blue"}')), schema, prompt: 'q', telemetry });
    expect(object).toEqual({ colour: 'blue' });
    expect((await report()).operations.llm_inference!.tokens).toMatchObject({ input: INPUT_TOKENS, output: OUTPUT_TOKENS });
    expect(span('llm_inference').attributes['gen_ai.response.model']).toBe(RESPONSE_MODEL);
    expect(span('ai_generation').attributes['ai.operation.id']).toBe('ai.generateObject');
  });

  it('records a streamed object with its time to first chunk', async () => {
    const { telemetry, report } = setup();
    const delayMs = 40;
    const result = streamObject({ model: streamModel(['{"colour":', '"blue"}'], delayMs), schema, prompt: 'q', telemetry });
    await drain(result.partialObjectStream);
    expect(await result.object).toEqual({ colour: 'blue' });
    const llm = (await report()).operations.llm_inference!;
    expect(llm.tokens).toMatchObject({ input: INPUT_TOKENS, output: OUTPUT_TOKENS });
    expect(llm.time_to_first_token!.count).toBe(1);
    expect(llm.time_to_first_token!.p50).toBeGreaterThanOrEqual((delayMs / 1000) * 0.9);
  });
});

describe('embed, embedMany and rerank', () => {
  it('records embed as one embedding_generation with its tokens', async () => {
    const { monitor, telemetry, span, report } = setup();
    const result = await monitor.track('query_processing', () => embed({ model: embeddingModel(7), value: 'sunny day', telemetry }));
    expect(result.embedding).toEqual([0, 1]);
    expect((await report()).operations.embedding_generation).toMatchObject({ total: 1, successful: 1, tokens: { input: 7, total: 7 } });
    const embedding = span('embedding_generation');
    expect(embedding.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'mock-embedder' });
    expect(parentOf(embedding)).toBe(idOf(span('query_processing')));
  });

  it('records each model call of a chunked embedMany', async () => {
    const { telemetry, report } = setup();
    const result = await embedMany({ model: embeddingModel(5, 2), values: ['a', 'b', 'c', 'd', 'e'], telemetry });
    expect(result.embeddings).toHaveLength(5);
    expect((await report()).operations.embedding_generation).toMatchObject({ total: 3, successful: 3, tokens: { input: 15 } });
  });

  it('counts an attempt the SDK retried as failed, and the retry as successful', async () => {
    const { telemetry, spans, report } = setup();
    let calls = 0;
    const model = new MockEmbeddingModelV4({
      doEmbed: async () => {
        if (calls++ === 0) throw new APICallError({ message: 'busy', url: 'http://127.0.0.1/', requestBodyValues: {}, statusCode: 503, isRetryable: true });
        await new Promise((resolve) => setTimeout(resolve, 30)); // the retry lasts: "ended with the call" would be 30 ms late
        return { embeddings: [[1]], usage: { tokens: 3 }, warnings: [] };
      },
    });
    await embed({ model, value: 'a', telemetry });
    expect((await report()).operations.embedding_generation).toMatchObject({ total: 2, successful: 1, failed: 1 });
    const [failed, retried] = spans('embedding_generation');
    expect(failed!.attributes['error.type']).toBe('FailedAttemptError');
    // The failed attempt ended when the retry started, not when the whole call did.
    expect(retried!.attributes['error.type']).toBeUndefined();
    // Each span anchors its clock on Date.now() (1 ms steps), so two spans' times agree to ~2 ms.
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(failed!.endTime)).toBeLessThanOrEqual(ms(retried!.startTime) + 2);
  });

  it('counts a failing embedding model, and the caller gets its error unchanged', async () => {
    const { telemetry, span, report } = setup();
    const error = new ProviderDown('embedder down');
    const model = new MockEmbeddingModelV4({
      doEmbed: async () => {
        throw error;
      },
    });
    await expect(embed({ model, value: 'a', maxRetries: 0, telemetry })).rejects.toBe(error);
    expect((await report()).operations.embedding_generation).toMatchObject({ total: 1, failed: 1 });
    expect(span('embedding_generation').attributes['error.type']).toBe('ProviderDown');
  });

  it('records rerank as reranking', async () => {
    const { telemetry, span, report } = setup();
    const result = await rerank({ model: rerankingModel(), documents: ['a', 'b', 'c'], query: 'q', telemetry });
    expect(result.ranking.map((r) => r.document)).toEqual(['a', 'b', 'c']);
    expect((await report()).operations.reranking).toMatchObject({ total: 1, successful: 1 });
    expect(span('reranking').attributes).toMatchObject({ 'gen_ai.request.model': 'mock-reranker', 'rag.rerank.documents': 3 });
  });
});

const busy = () => new APICallError({ message: 'busy', url: 'http://127.0.0.1/', requestBodyValues: {}, statusCode: 503, isRetryable: true });

describe('retries, aborts, invalid objects and calls that never end', () => {
  it('generateText: one llm_inference across the SDK’s retries, failed with the RetryError the caller gets', async () => {
    const { telemetry, span, report } = setup();
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw busy();
      },
    });
    await expect(generateText({ model, prompt: 'q', maxRetries: 1, telemetry })).rejects.toBeInstanceOf(RetryError);
    expect(model.doGenerateCalls).toHaveLength(2);
    expect((await report()).operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('RetryError');
  });

  it('streamText: an attempt the SDK retried is a failed llm_inference of its own', async () => {
    const { telemetry, spans, report } = setup();
    let attempts = 0;
    const model = new MockLanguageModelV4({
      doStream: async () => {
        if (attempts++ === 0) throw busy();
        return { stream: simulateReadableStream({ chunks: textChunks(['ok']) }) };
      },
    });
    expect(await drain(streamText({ model, prompt: 'q', telemetry }).textStream)).toBe('ok');
    expect((await report()).operations.llm_inference).toMatchObject({ total: 2, successful: 1, failed: 1 });
    expect(spans('llm_inference').map((s) => s.attributes['error.type'])).toEqual(['FailedAttemptError', undefined]);
  });

  it('streamText: an abort fails the model call and the generation as AbortError', async () => {
    const { telemetry, span, report } = setup();
    const controller = new AbortController();
    const model = new MockLanguageModelV4({ doStream: { stream: simulateReadableStream({ chunks: textChunks(['a', 'b', 'c', 'd']), chunkDelayInMs: 20 }) } });
    const result = streamText({ model, prompt: 'q', abortSignal: controller.signal, telemetry });
    for await (const part of result.textStream) if (part === 'a') controller.abort();
    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(operations.ai_generation).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('AbortError');
  });

  it('streamObject: an object that fails to parse fails the generation, not the model call', async () => {
    const { telemetry, span, report } = setup();
    const schema = jsonSchema<{ colour: string }>({ type: 'object', properties: { colour: { type: 'string' } }, required: ['colour'] });
    const result = streamObject({ model: streamModel(['{"colour":']), schema, prompt: 'q', telemetry, onError: () => {} });
    const object = result.object.then(
      () => undefined,
      (error: unknown) => error,
    );
    await drain(result.partialObjectStream);
    const error = await object;
    expect(error).toBeInstanceOf(Error);
    const { operations } = await report();
    expect(operations.llm_inference).toMatchObject({ total: 1, successful: 1 });
    expect(operations.ai_generation).toMatchObject({ total: 1, failed: 1 });
    expect(span('ai_generation').attributes['error.type']).toBe((error as Error).constructor.name);
  });

  it('keeps at most MAX_OPEN_CALLS calls open: past it the oldest is given up on, counted and not recorded', async () => {
    const { monitor, span, report } = setup();
    const integration = ragmeterTelemetry({ monitor });
    for (let i = 0; i <= MAX_OPEN_CALLS; i++) integration.onStart!({ callId: `call-${i}`, operationId: 'ai.generateText', provider: PROVIDER, modelId: MODEL } as never);
    const result = await report();
    expect(result.operations.ai_generation).toBeUndefined();
    expect(result.dropped.by_reason).toEqual({ abandoned_operation: 1 });
    expect(span('ai_generation').attributes).toMatchObject({ 'rag.operation.abandoned': true });
    expect(span('ai_generation').attributes['error.type']).toBeUndefined();
    // a call reusing an open call's id gives the first one up as well
    integration.onStart!({ callId: 'call-5', operationId: 'ai.generateText', provider: PROVIDER, modelId: MODEL } as never);
    expect((await report()).dropped.by_reason).toEqual({ abandoned_operation: 2 });
  });
});

describe('never breaks the application', () => {
  class BrokenMonitor extends PerformanceMonitor {
    override trackOperation(): never {
      throw new Error('monitor broken');
    }
  }

  it('returns the result and runs every tool once when recording throws', async () => {
    const monitor = new BrokenMonitor({ memorySampleIntervalMs: 0 });
    monitors.push(monitor);
    const telemetry = { integrations: [ragmeterTelemetry({ monitor })] };
    let executions = 0;
    const search = tool({
      inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
      execute: async () => ++executions,
    });
    const model = textModel(generated([{ type: 'tool-call', toolCallId: 'c', toolName: 'search', input: '{}' }], 'tool-calls'), generated('done'));
    const result = await generateText({ model, tools: { search }, stopWhen: stepCountIs(3), prompt: 'q', telemetry });
    expect(result.text).toBe('done');
    expect(executions).toBe(1);
    expect(await drain(streamText({ model: streamModel(['ok']), prompt: 'q', telemetry }).textStream)).toBe('ok');
    expect((await embed({ model: embeddingModel(), value: 'a', telemetry })).embedding).toEqual([0, 1]);
  });

  it('ignores events it cannot read', () => {
    const integration = ragmeterTelemetry({ monitor: setup().monitor });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('hostile');
        },
      },
    );
    for (const hook of ['onStart', 'onLanguageModelCallStart', 'onLanguageModelCallEnd', 'onEmbedStart', 'onEnd', 'onError'] as const) {
      for (const event of [undefined, null, 42, {}, hostile]) expect(() => (integration[hook] as (e: unknown) => void)(event)).not.toThrow();
    }
  });
});

describe('options', () => {
  it('rejects what it cannot use', () => {
    expect(() => ragmeterTelemetry({ bogus: 1 } as RagMeterTelemetryOptions)).toThrow(/unknown ragmeterTelemetry option "bogus"/);
    expect(() => ragmeterTelemetry({ monitor: {} as PerformanceMonitor })).toThrow(/"monitor" must be a PerformanceMonitor/);
    expect(() => ragmeterTelemetry({ captureContent: 'yes' as unknown as boolean })).toThrow(/"captureContent" must be a boolean/);
    expect(() => ragmeterTelemetry({ generationType: 'Not A Type' })).toThrow(/"generationType" must be false or an operation type/);
    expect(() => ragmeterTelemetry({ toolType: true as unknown as string })).toThrow(/"toolType"/);
  });

  it('names tool executions as told', async () => {
    const { telemetry, report } = setup({}, { toolType: 'agent_tool' });
    const lookup = tool({ inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }), execute: async () => 'x' });
    const model = textModel(generated([{ type: 'tool-call', toolCallId: 'c', toolName: 'lookup', input: '{}' }], 'tool-calls'), generated('done'));
    await generateText({ model, tools: { lookup }, stopWhen: stepCountIs(3), prompt: 'q', telemetry });
    expect((await report()).operations.agent_tool).toMatchObject({ total: 1 });
  });
});
