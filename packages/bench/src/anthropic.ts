/**
 * What wrapAnthropic() adds to a call: the same Anthropic client call, unwrapped and wrapped,
 * against an in-process `fetch` that answers at once (no server, no network), so the difference
 * between the two is our work alone: the operation (span, metrics, memory probe), the hooks on
 * the APIPromise and, for a stream, on every event. Cases interleaved round by round; the added
 * time is taken per round (wrapped minus unwrapped, same round).
 */
import Anthropic from '@anthropic-ai/sdk';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { wrapAnthropic } from '@ragmeter/anthropic';
import { PerformanceMonitor } from '@ragmeter/sdk';
import { noopExporter } from './contenders.js';
import { formatNs, formatRatio, formatSpread, interleave, ratios, runBenchmark, spread, timeAsync, type Spread } from './harness.js';

const DELTAS = 20;
const MODEL = 'claude-sonnet-4-5';
const RESPONSE_MODEL = 'claude-sonnet-4-5-20250929';
const REQUEST = {
  model: MODEL,
  max_tokens: 256,
  system: 'You answer in one sentence.',
  messages: [{ role: 'user' as const, content: 'Which stage of a RAG pipeline is usually the slowest?' }],
};

const MESSAGE = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: RESPONSE_MODEL,
  content: [{ type: 'text', text: 'Generation, by far.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 31, output_tokens: 5 },
});

/**
 * A streamed message as the Messages API sends it: message_start, an empty block start, a ping,
 * DELTAS text deltas, block stop, message_delta with the usage, message_stop.
 */
const STREAM = (() => {
  const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const parts = [
    event('message_start', {
      message: { id: 'msg_bench', type: 'message', role: 'assistant', model: RESPONSE_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 31, output_tokens: 1 } },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
  ];
  for (let i = 0; i < DELTAS; i++) parts.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ` word${i}` } }));
  parts.push(event('content_block_stop', { index: 0 }));
  parts.push(event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: DELTAS } }));
  parts.push(event('message_stop', {}));
  return parts.join('');
})();

/** Answers every request at once from memory: a JSON message, or the SSE stream. */
const fakeFetch = async (_url: unknown, init?: { body?: unknown }): Promise<Response> =>
  typeof init?.body === 'string' && init.body.includes('"stream":true')
    ? new Response(STREAM, { status: 200, headers: { 'content-type': 'text/event-stream', 'request-id': 'req_bench' } })
    : new Response(MESSAGE, { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_bench' } });

const client = () => new Anthropic({ apiKey: 'sk-ant-bench', baseURL: 'http://127.0.0.1:9', maxRetries: 0, fetch: fakeFetch as never });

type Case = 'message' | 'message stream';
const CASE_LABELS: Record<Case, string> = {
  message: 'messages.create',
  'message stream': `messages.create, stream: true (${DELTAS} deltas), read to the end`,
};

runBenchmark('anthropic', 'wrapAnthropic: time added per Anthropic call', async ({ quick, clock }) => {
  // As in the overhead benchmark: an application with an OTel SDK (the global AsyncLocalStorage
  // context manager), spans to a BatchSpanProcessor with a no-op exporter, memory tracking on.
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  tracerProvider.register();
  const monitor = new PerformanceMonitor({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  const plain = client();
  const wrapped = wrapAnthropic(client(), { monitor });

  const create = (anthropic: Anthropic) => () => anthropic.messages.create(REQUEST);
  const stream = (anthropic: Anthropic) => async () => {
    const s = await anthropic.messages.create({ ...REQUEST, stream: true });
    for await (const _event of s);
  };
  const calls: Record<string, () => Promise<unknown>> = {
    'message/unwrapped': create(plain),
    'message/wrapped': create(wrapped),
    'message stream/unwrapped': stream(plain),
    'message stream/wrapped': stream(wrapped),
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
        columns: ['call', 'unwrapped', 'wrapped', 'added by wrapAnthropic', 'ratio'],
        rows,
      },
    ],
    checks: [],
    notes: [
      'The client (@anthropic-ai/sdk 1.x) talks to an in-process fetch that returns a ready Response: ' +
        "the unwrapped time is the client's own work (request building, response parsing), with no network. " +
        'Against a real model a call takes hundreds of milliseconds, which the added time is to be read against.',
      'Wrapped: wrapAnthropic(client, { monitor }) on a PerformanceMonitor with memory tracking and tracing on ' +
        '(BatchSpanProcessor, no-op exporter). The responses carry usage, so the tokenizer is not used.',
    ],
    data,
  };
});
