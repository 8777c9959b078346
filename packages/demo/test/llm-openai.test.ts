// The LLM path: the real `openai` client against a local OpenAI-compatible server, through the
// demo's pipeline and HTTP API. Tokens must be the usage the server reported; time to first
// token must reflect when the first content chunk arrived.
import type { Server } from 'node:http';
import { OperationType } from '@ragmeter/sdk';
import { buildCorpusIndex, type CorpusIndex } from '../src/corpus-index';
import { generateAnswer, LlmTimeoutError, OpenAiGenerator } from '../src/llm';
import { RagPipeline, type QueryResult } from '../src/query-pipeline';
import { close, createApiServer, listen } from '../src/server';
import { childProcessExtractor, CORPUS_DIR } from './helpers/corpus-text';
import { startFakeOpenAi, type FakeOpenAi } from './helpers/fake-openai';
import { createTestMonitor } from './helpers/test-monitor';

let index: CorpusIndex;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // The index is built once with a throwaway monitor; each test tracks queries on its own.
  const t = createTestMonitor();
  index = await buildCorpusIndex(t.monitor, { corpusDir: CORPUS_DIR, extract: await childProcessExtractor() });
  await t.monitor.shutdown();
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(fake: FakeOpenAi, options: { stream?: boolean; llmTimeoutMs?: number; model?: string } = {}) {
  const t = createTestMonitor();
  const generator = new OpenAiGenerator({ baseURL: fake.baseURL, model: options.model ?? 'fake-model-1', stream: options.stream });
  const server: Server = createApiServer({ pipeline: new RagPipeline(t.monitor, index, generator, { llmTimeoutMs: options.llmTimeoutMs }) });
  const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/query`;
  cleanup.push(() => t.monitor.shutdown(), () => close(server));
  const ask = async (question: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    return { status: response.status, body: (await response.json()) as QueryResult & { error?: string } };
  };
  return { t, ask };
}

async function fakeServer(options: Parameters<typeof startFakeOpenAi>[0]): Promise<FakeOpenAi> {
  const fake = await startFakeOpenAi(options);
  cleanup.push(() => fake.close());
  return fake;
}

const QUESTIONS = [
  'How long is the warranty on the Lumen L2 lamp?',
  'How do I roll back a bad deploy of the payments API?',
  'How long does bulk fermentation take?',
];

describe('OpenAI-compatible LLM, streaming', () => {
  it('answers with the streamed text and records exactly the usage the server reported', async () => {
    const fake = await fakeServer({ pieces: ['Three ', 'years', ' [1].'], firstTokenDelayMs: 5 });
    const { t, ask } = await serve(fake);
    for (const question of QUESTIONS) {
      const { status, body } = await ask(question);
      expect(status).toBe(200);
      expect(body).toMatchObject({ mode: 'llm', answer: 'Three years [1].' });
    }
    // What the client sent: a streaming request asking for usage, with the sources in the prompt.
    expect(fake.requests).toHaveLength(QUESTIONS.length);
    for (const request of fake.requests) {
      expect(request).toMatchObject({ model: 'fake-model-1', stream: true, stream_options: { include_usage: true } });
    }
    expect(fake.requests[1]!.messages.at(-1)!.content).toContain('deployctl rollback');

    const llm = (await t.monitor.generateReport()).operations[OperationType.LLM_INFERENCE]!;
    const input = fake.usages.reduce((n, u) => n + u.prompt_tokens, 0);
    const output = fake.usages.reduce((n, u) => n + u.completion_tokens, 0);
    expect(llm.total).toBe(QUESTIONS.length);
    expect(llm.tokens.input).toBe(input);
    expect(llm.tokens.output).toBe(output);
    expect(llm.tokens.total).toBe(input + output);

    const spans = t.spans().filter((s) => s.name === OperationType.LLM_INFERENCE);
    expect(spans.map((s) => s.attributes['gen_ai.usage.input_tokens'])).toEqual(fake.usages.map((u) => u.prompt_tokens));
    expect(spans.every((s) => s.attributes['gen_ai.request.model'] === 'fake-model-1')).toBe(true);
  });

  it('records time to first token when the first content chunk arrives, before the stream ends', async () => {
    const fake = await fakeServer({ pieces: ['a', 'b', 'c', 'd'], firstTokenDelayMs: 150, chunkDelayMs: 100 });
    const { t, ask } = await serve(fake);
    expect((await ask(QUESTIONS[0]!)).status).toBe(200);
    const [span] = t.spans().filter((s) => s.name === OperationType.LLM_INFERENCE);
    const ttft = span!.attributes['rag.operation.time_to_first_token_seconds'] as number;
    const duration = span!.duration[0] + span!.duration[1] / 1e9;
    expect(ttft).toBeGreaterThanOrEqual(0.14); // the server held the first chunk for 150 ms
    expect(ttft).toBeLessThan(duration - 0.25); // three more chunks, 100 ms apart, came after it
    expect(span!.events.map((e) => e.name)).toContain('gen_ai.first_token');
  });

  it('estimates tokens with the SDK tokenizer when the server reports no usage, and says so', async () => {
    const fake = await fakeServer({ omitUsage: true });
    const { t, ask } = await serve(fake);
    expect((await ask(QUESTIONS[0]!)).status).toBe(200);
    const [span] = t.spans().filter((s) => s.name === OperationType.LLM_INFERENCE);
    expect(span!.attributes['rag.operation.tokens_from_text']).toBe(true);
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(50); // system prompt + sources
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });
});

describe('OpenAI-compatible LLM, non-streaming', () => {
  it('records the usage of the response and no time to first token', async () => {
    const fake = await fakeServer({ pieces: ['Thirty ', 'days.'] });
    const { t, ask } = await serve(fake, { stream: false });
    const { body } = await ask('How long are application logs retained?');
    expect(body).toMatchObject({ mode: 'llm', answer: 'Thirty days.' });
    expect(fake.requests[0]!.stream).toBe(false);
    const llm = (await t.monitor.generateReport()).operations[OperationType.LLM_INFERENCE]!;
    expect(llm.tokens.input).toBe(fake.usages[0]!.prompt_tokens);
    expect(llm.tokens.output).toBe(fake.usages[0]!.completion_tokens);
    const [span] = t.spans().filter((s) => s.name === OperationType.LLM_INFERENCE);
    expect(span!.attributes['rag.operation.time_to_first_token_seconds']).toBeUndefined();
  });
});

describe('cost of the LLM stage', () => {
  it('is priced from the model the client used and the usage the server reported, with no extra code', async () => {
    const fake = await fakeServer({ pieces: ['Three ', 'years.'] });
    const { t, ask } = await serve(fake, { model: 'gpt-4o-mini' });
    for (const question of QUESTIONS) expect((await ask(question)).status).toBe(200);
    const llm = (await t.monitor.generateReport()).operations[OperationType.LLM_INFERENCE]!;
    // gpt-4o-mini in the bundled table: $0.15 input, $0.60 output per million tokens
    const usd = fake.usages.reduce((n, u) => n + (u.prompt_tokens * 0.15 + u.completion_tokens * 0.6) / 1e6, 0);
    expect(llm.cost!.total_usd).toBeCloseTo(usd, 12);
    expect(llm.cost!.unpriced_operations).toBe(0);
  });

  it('counts a model without a price as unpriced', async () => {
    const fake = await fakeServer({ pieces: ['ok'] });
    const { t, ask } = await serve(fake);
    expect((await ask(QUESTIONS[0]!)).status).toBe(200);
    expect((await t.monitor.generateReport()).operations[OperationType.LLM_INFERENCE]!.cost).toEqual({ total_usd: 0, avg_usd: 0, unpriced_operations: 1 });
  });
});

describe('LLM deadline', () => {
  it('gives up on a hanging server after the deadline: LlmTimeoutError, failed operation, HTTP 504', async () => {
    const fake = await fakeServer({ firstTokenDelayMs: 10_000 });
    const { t, ask } = await serve(fake, { llmTimeoutMs: 300 });
    const started = Date.now();
    const { status, body } = await ask(QUESTIONS[0]!);
    expect(status).toBe(504);
    expect(body.error).toBe('LLM gave no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    const llm = await t.monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect(llm).toMatchObject({ totalOperations: 1, failedOperations: 1 });
    expect(llm.maxDurationSeconds).toBeGreaterThanOrEqual(0.29);
  });

  it('keeps the error of a failing server (not a timeout) as it is', async () => {
    const t = createTestMonitor();
    cleanup.push(() => t.monitor.shutdown());
    const generator = new OpenAiGenerator({ baseURL: 'http://127.0.0.1:9/v1' }); // nothing listens on port 9
    const error = await generateAnswer(t.monitor, generator, 'q', [], { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LlmTimeoutError);
    expect((await t.monitor.getOperationStats(OperationType.LLM_INFERENCE)).failedOperations).toBe(1);
  });
});

describe('OpenAiGenerator.fromEnvironment', () => {
  it('is configured only by OPENAI_BASE_URL, with model and streaming from the environment', () => {
    expect(OpenAiGenerator.fromEnvironment({})).toBeUndefined();
    expect(OpenAiGenerator.fromEnvironment({ OPENAI_BASE_URL: '  ' })).toBeUndefined();
    expect(OpenAiGenerator.fromEnvironment({ OPENAI_BASE_URL: 'http://localhost:1/v1' })!.model).toBe('gpt-4o-mini');
    const g = OpenAiGenerator.fromEnvironment({ OPENAI_BASE_URL: 'http://localhost:1/v1', OPENAI_MODEL: 'llama3' })!;
    expect(g).toMatchObject({ model: 'llama3', mode: 'llm' });
  });
});
