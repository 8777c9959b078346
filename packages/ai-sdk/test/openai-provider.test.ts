import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createOpenAI } from '@ai-sdk/openai';
import { ragmeterTelemetry } from '@ragmeter/ai-sdk';
import { PerformanceMonitor } from '@ragmeter/sdk';
import { APICallError, embedMany, generateText, streamText } from 'ai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// The real OpenAI provider of the AI SDK (`@ai-sdk/openai`) talking HTTP to a local server on
// 127.0.0.1 that speaks the OpenAI chat-completions and embeddings API.

const RESPONSE_MODEL = 'gpt-test-2026-01-01';
const FIRST_CHUNK_DELAY_MS = 50;

type Handler = (body: Record<string, unknown>, res: ServerResponse) => Promise<void> | void;
let handler: Handler;
let server: Server;
let baseURL: string;
const requests: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url, ...body });
      void Promise.resolve(handler(body, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const monitors: PerformanceMonitor[] = [];
afterEach(async () => {
  requests.length = 0;
  await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
});

function setup() {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  monitors.push(monitor);
  const openai = createOpenAI({ baseURL, apiKey: 'test-key' });
  const telemetry = { integrations: [ragmeterTelemetry({ monitor })] };
  const span = (name: string) => {
    const found = exporter.getFinishedSpans().filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  return { monitor, openai, telemetry, span };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 0,
  model: RESPONSE_MODEL,
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** A streamed chat completion: the first chunk after a delay, usage in the last one. */
const streamedAnswer = (words: string[], usage: { prompt_tokens: number; completion_tokens: number }): Handler => async (_body, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  await sleep(FIRST_CHUNK_DELAY_MS);
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  send(chunk({ role: 'assistant', content: '' }));
  for (const word of words) send(chunk({ content: word }));
  send(chunk({}, 'stop'));
  send({ ...chunk({}), choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  res.end('data: [DONE]\n\n');
};

it('records a streamed chat completion with the server’s usage and the time to its first chunk', async () => {
  const { monitor, openai, telemetry, span } = setup();
  handler = streamedAnswer(['Blue', ' sky', '.'], { prompt_tokens: 17, completion_tokens: 4 });
  const text = await monitor.track('query_processing', async () => {
    const result = streamText({ model: openai.chat('gpt-test'), prompt: 'What colour is the sky?', telemetry });
    let out = '';
    for await (const part of result.textStream) out += part;
    return out;
  });
  expect(text).toBe('Blue sky.');
  expect(requests[0]).toMatchObject({ path: '/v1/chat/completions', model: 'gpt-test', stream: true });

  const llm = (await monitor.generateReport()).operations.llm_inference!;
  expect(llm).toMatchObject({ total: 1, successful: 1, tokens: { input: 17, output: 4, total: 21 } });
  expect(llm.time_to_first_token!.count).toBe(1);
  expect(llm.time_to_first_token!.p50).toBeGreaterThanOrEqual((FIRST_CHUNK_DELAY_MS / 1000) * 0.9);

  const attributes = span('llm_inference').attributes;
  expect(attributes).toMatchObject({
    'gen_ai.provider.name': 'openai.chat',
    'gen_ai.request.model': 'gpt-test',
    'gen_ai.response.model': RESPONSE_MODEL,
    'gen_ai.response.finish_reasons': ['stop'],
  });
  expect(span('ai_generation').parentSpanContext?.spanId).toBe(span('query_processing').spanContext().spanId);
});

it('counts an HTTP error as a failed llm_inference, and the caller gets the SDK’s error', async () => {
  const { monitor, openai, telemetry, span } = setup();
  handler = (_body, res) => json(res, 500, { error: { message: 'upstream exploded', type: 'server_error' } });
  const call = generateText({ model: openai.chat('gpt-test'), prompt: 'q', maxRetries: 0, telemetry });
  await expect(call).rejects.toBeInstanceOf(APICallError);
  expect((await monitor.generateReport()).operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
  expect(span('llm_inference').attributes['error.type']).toBe('APICallError');
});

it('records the embeddings endpoint as embedding_generation with its tokens', async () => {
  const { monitor, openai, telemetry } = setup();
  handler = (body, res) => {
    const input = body.input as string[];
    json(res, 200, {
      object: 'list',
      data: input.map((_, index) => ({ object: 'embedding', index, embedding: [index, 0.5] })),
      model: 'text-embedding-test',
      usage: { prompt_tokens: 3 * input.length, total_tokens: 3 * input.length },
    });
  };
  const { embeddings } = await embedMany({ model: openai.embedding('text-embedding-test'), values: ['a', 'b'], telemetry });
  expect(embeddings).toHaveLength(2);
  expect((await monitor.generateReport()).operations.embedding_generation).toMatchObject({ total: 1, successful: 1, tokens: { input: 6 } });
});
