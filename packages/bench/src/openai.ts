/**
 * What wrapOpenAI() adds to a call: the same OpenAI client call, unwrapped and wrapped, against
 * an in-process `fetch` that answers at once (no server, no network), so the difference between
 * the two is our work alone: the operation (span, metrics, memory probe), the hooks on the
 * APIPromise and, for a stream, on every chunk. Cases interleaved round by round; the added
 * time is taken per round (wrapped minus unwrapped, same round).
 */
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { wrapOpenAI } from '@ragmeter/openai';
import { PerformanceMonitor } from '@ragmeter/sdk';
import OpenAI from 'openai';
import { noopExporter } from './contenders.js';
import { formatNs, formatRatio, formatSpread, interleave, ratios, runBenchmark, spread, timeAsync, type Spread } from './harness.js';

const DELTAS = 20;
const MESSAGES = [
  { role: 'system' as const, content: 'You answer in one sentence.' },
  { role: 'user' as const, content: 'Which stage of a RAG pipeline is usually the slowest?' },
];

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Generation, by far.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 31, completion_tokens: 5, total_tokens: 36 },
});

/** A streamed completion as OpenAI sends it: role chunk, DELTAS content deltas, finish, usage, [DONE]. */
const STREAM = (() => {
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const parts = [chunk({ role: 'assistant', content: '' })];
  for (let i = 0; i < DELTAS; i++) parts.push(chunk({ content: ` word${i}` }));
  parts.push(chunk({}, 'stop'));
  parts.push(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 31, completion_tokens: DELTAS, total_tokens: 31 + DELTAS } })}\n\n`);
  parts.push('data: [DONE]\n\n');
  return parts.join('');
})();

/** Answers every request at once from memory: a JSON completion, or the SSE stream. */
const fakeFetch = async (_url: unknown, init?: { body?: unknown }): Promise<Response> =>
  typeof init?.body === 'string' && init.body.includes('"stream":true')
    ? new Response(STREAM, { status: 200, headers: { 'content-type': 'text/event-stream' } })
    : new Response(COMPLETION, { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'req_bench' } });

const client = () => new OpenAI({ apiKey: 'sk-bench', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: fakeFetch as never });

type Case = 'chat' | 'chat stream';
const CASE_LABELS: Record<Case, string> = {
  chat: 'chat.completions.create',
  'chat stream': `chat.completions.create, stream: true (${DELTAS} deltas), read to the end`,
};

runBenchmark('openai', 'wrapOpenAI: time added per OpenAI call', async ({ quick, clock }) => {
  // As in the overhead benchmark: an application with an OTel SDK (the global AsyncLocalStorage
  // context manager), spans to a BatchSpanProcessor with a no-op exporter, memory tracking on.
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  tracerProvider.register();
  const monitor = new PerformanceMonitor({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  const plain = client();
  const wrapped = wrapOpenAI(client(), { monitor });

  const chat = (openai: OpenAI) => () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
  const stream = (openai: OpenAI) => async () => {
    const s = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    for await (const _chunk of s);
  };
  const calls: Record<string, () => Promise<unknown>> = {
    'chat/unwrapped': chat(plain),
    'chat/wrapped': chat(wrapped),
    'chat stream/unwrapped': stream(plain),
    'chat stream/wrapped': stream(wrapped),
  };
  const rounds = { rounds: quick ? 5 : 21, targetMs: quick ? 15 : 60, warmupMs: quick ? 100 : 1000 };
  const perOp = await interleave(
    Object.entries(calls).map(([name, call]) => ({ name, run: (n: number) => timeAsync(n, call, clock) })),
    rounds,
  );

  const data: Record<string, { unwrappedNs: Spread; wrappedNs: Spread; addedNs: Spread; ratio: Spread }> = {};
  const rows: string[][] = [];
  for (const key of Object.keys(CASE_LABELS) as Case[]) {
    const unwrapped = perOp.get(`${key}/unwrapped`)!;
    const wrappedNs = perOp.get(`${key}/wrapped`)!;
    const row = {
      unwrappedNs: spread(unwrapped),
      wrappedNs: spread(wrappedNs),
      addedNs: spread(wrappedNs.map((w, i) => w - unwrapped[i]!)),
      ratio: ratios(wrappedNs, unwrapped),
    };
    data[key] = row;
    rows.push([
      CASE_LABELS[key],
      formatSpread(row.unwrappedNs, formatNs),
      formatSpread(row.wrappedNs, formatNs),
      formatSpread(row.addedNs, formatNs),
      formatSpread(row.ratio, formatRatio),
    ]);
  }
  await monitor.shutdown();
  await tracerProvider.shutdown();
  return {
    tables: [
      {
        title:
          `${clock === 'cpu' ? 'CPU' : 'Wall-clock'} time per call: median (p25–p75) of ${rounds.rounds} rounds; ` +
          '"added" and "ratio" per round',
        columns: ['call', 'unwrapped', 'wrapped', 'added by wrapOpenAI', 'ratio'],
        rows,
      },
    ],
    checks: [],
    notes: [
      'The client (openai, the version the demo uses) talks to an in-process fetch that returns a ready Response: ' +
        'the unwrapped time is the client\'s own work (request building, response parsing), with no network. ' +
        'Against a real model a call takes hundreds of milliseconds, which the added time is to be read against.',
      'Wrapped: wrapOpenAI(client, { monitor }) on a PerformanceMonitor with memory tracking and tracing on ' +
        '(BatchSpanProcessor, no-op exporter). The responses carry usage, so the tokenizer is not used.',
    ],
    data,
  };
});
