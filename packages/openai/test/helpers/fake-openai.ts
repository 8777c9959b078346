import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A local server that speaks the OpenAI HTTP API as far as the tests need: JSON bodies, SSE
 * streams (chat chunks, Responses API events) with delays chosen by the test, error statuses,
 * and a connection cut mid-stream. Each request is answered by the next queued reply, or by
 * the default one.
 */
export interface FakeRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export type Reply = (res: ServerResponse, req: FakeRequest) => Promise<void> | void;

export interface FakeOpenAI {
  /** Base URL for the client (`http://127.0.0.1:<port>/v1`). */
  readonly baseURL: string;
  readonly requests: FakeRequest[];
  /** Answers the next request with `reply` (replies queue up in order). */
  reply(reply: Reply): void;
  close(): Promise<void>;
}

/** Aborts the waits of replies still running when the server closes. */
const closing = new AbortController();
const wait = (ms: number) => sleep(ms, undefined, { signal: closing.signal });

export async function startFakeOpenAI(fallback: Reply = json(200, {})): Promise<FakeOpenAI> {
  const queue: Reply[] = [];
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').replace(/^\/v1/, ''),
        body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>),
      };
      requests.push(request);
      Promise.resolve((queue.shift() ?? fallback)(res, request)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (reply) => void queue.push(reply),
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** A JSON reply that waits `ms` before sending anything. */
export function delayed(ms: number, reply: Reply): Reply {
  return async (res, req) => {
    await wait(ms);
    if (!res.destroyed) await reply(res, req);
  };
}

/** One step of an SSE reply: an event after `delayMs`, or the connection cut after `delayMs`. */
export type SseStep = { delayMs?: number; data: unknown; event?: string } | { delayMs?: number; cut: true };

/**
 * An SSE reply: headers at once, then each step after its delay. Data that is not a string is
 * sent as JSON; `[DONE]` is sent as is. A `cut` step destroys the socket (a connection lost
 * mid-stream).
 */
export function sse(steps: readonly SseStep[]): Reply {
  return async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' });
    res.flushHeaders();
    for (const step of steps) {
      if (step.delayMs) await wait(step.delayMs);
      if (res.destroyed) return;
      if ('cut' in step) {
        res.socket?.destroy();
        return;
      }
      const data = typeof step.data === 'string' ? step.data : JSON.stringify(step.data);
      res.write(`${step.event === undefined ? '' : `event: ${step.event}\n`}data: ${data}\n\n`);
    }
    res.end();
  };
}

// ---- payloads ----------------------------------------------------------------------------------

export const MODEL = 'gpt-4o-mini';
export const RESPONSE_MODEL = 'gpt-4o-mini-2024-07-18';

export function chatCompletion(content: string, usage?: { prompt_tokens: number; completion_tokens: number }) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: RESPONSE_MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    ...(usage === undefined ? {} : { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
  };
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-2',
  object: 'chat.completion.chunk',
  created: 1,
  model: RESPONSE_MODEL,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

export interface ChatStreamScript {
  /** Content deltas, in order. */
  parts: readonly string[];
  /** Delay before the role chunk (the first chunk, with empty content), ms. */
  roleDelayMs?: number;
  /** Delay between the role chunk and the first content delta, ms. */
  firstContentDelayMs?: number;
  /** Delay before each later delta, ms. */
  partDelayMs?: number;
  /** Add the final usage chunk (what `stream_options.include_usage` asks for). */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Cut the connection after this many content deltas instead of finishing. */
  cutAfter?: number;
  /** Delay before the finish chunk, ms. */
  finishDelayMs?: number;
}

/** The SSE steps of a streamed chat completion, as OpenAI sends them. */
export function chatStream(script: ChatStreamScript): SseStep[] {
  const steps: SseStep[] = [{ delayMs: script.roleDelayMs, data: chunk({ role: 'assistant', content: '', refusal: null }) }];
  script.parts.forEach((part, i) => {
    if (script.cutAfter === i) steps.push({ delayMs: script.partDelayMs, cut: true });
    steps.push({ delayMs: i === 0 ? script.firstContentDelayMs : script.partDelayMs, data: chunk({ content: part }) });
  });
  if (script.cutAfter !== undefined && script.cutAfter >= script.parts.length) steps.push({ cut: true });
  steps.push({ delayMs: script.finishDelayMs, data: chunk({}, 'stop') });
  if (script.usage !== undefined) {
    steps.push({
      data: {
        ...chunk({}),
        choices: [],
        usage: { ...script.usage, total_tokens: script.usage.prompt_tokens + script.usage.completion_tokens },
      },
    });
  }
  steps.push({ data: '[DONE]' });
  return steps;
}

export function responseObject(text: string, status = 'completed') {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    model: RESPONSE_MODEL,
    status,
    output: [
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18 },
  };
}

export interface ResponseStreamScript {
  parts: readonly string[];
  /** Delay before `response.created`, ms. */
  createdDelayMs?: number;
  /** Delay between `response.created` and the first text delta, ms. */
  firstDeltaDelayMs?: number;
  partDelayMs?: number;
  /** The final event: `response.completed` (default) or `response.failed`. */
  outcome?: 'completed' | 'failed';
}

/** The SSE steps of a streamed Responses API call (named events, as OpenAI sends them). */
export function responseStream(script: ResponseStreamScript): SseStep[] {
  const text = script.parts.join('');
  const base = { id: 'resp_2', object: 'response', created_at: 1, model: RESPONSE_MODEL };
  let seq = 0;
  const event = (type: string, body: Record<string, unknown>, delayMs?: number): SseStep => ({
    delayMs,
    event: type,
    data: { type, sequence_number: seq++, ...body },
  });
  const part = { item_id: 'msg_2', output_index: 0, content_index: 0 };
  const message = (content: unknown[], status: string) => ({ type: 'message', id: 'msg_2', status, role: 'assistant', content });
  const steps: SseStep[] = [
    event('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } }, script.createdDelayMs),
    event('response.in_progress', { response: { ...base, status: 'in_progress', output: [], usage: null } }),
    event('response.output_item.added', { output_index: 0, item: message([], 'in_progress') }),
    event('response.content_part.added', { ...part, part: { type: 'output_text', text: '', annotations: [] } }),
  ];
  script.parts.forEach((delta, i) => {
    steps.push(
      event(
        'response.output_text.delta',
        { item_id: 'msg_2', output_index: 0, content_index: 0, delta },
        i === 0 ? script.firstDeltaDelayMs : script.partDelayMs,
      ),
    );
  });
  const done = { type: 'output_text', text, annotations: [] };
  steps.push(
    event('response.output_text.done', { ...part, text }),
    event('response.content_part.done', { ...part, part: done }),
    event('response.output_item.done', { output_index: 0, item: message([done], 'completed') }),
  );
  if (script.outcome === 'failed') {
    steps.push(
      event('response.failed', {
        response: { ...base, status: 'failed', error: { code: 'server_error', message: 'The model failed.' }, output: [], usage: null },
      }),
    );
  } else {
    steps.push(
      event('response.completed', {
        response: {
          ...base,
          status: 'completed',
          output: [message([done], 'completed')],
          usage: { input_tokens: 13, output_tokens: 5, total_tokens: 18 },
        },
      }),
    );
  }
  return steps;
}

export function embeddingList(vectors: number, dimensions: number, usage = true) {
  return {
    object: 'list',
    model: 'text-embedding-3-small',
    data: Array.from({ length: vectors }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: Array.from({ length: dimensions }, (_, i) => (i + index) / 100),
    })),
    ...(usage ? { usage: { prompt_tokens: 6, total_tokens: 6 } } : {}),
  };
}

export const errorBody = (message: string, type: string) => ({ error: { message, type, param: null, code: null } });
