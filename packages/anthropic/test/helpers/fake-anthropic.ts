import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A local server that speaks the Anthropic Messages API as far as the tests need: JSON bodies,
 * SSE streams (message_start, content_block_start/delta/stop, message_delta, message_stop, ping,
 * error) with delays chosen by the test, error statuses, and a connection cut mid-stream. Each
 * request is answered by the next queued reply, or by the default one.
 */
export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Reply = (res: ServerResponse, req: FakeRequest) => Promise<void> | void;

export interface FakeAnthropic {
  /** Base URL for the client (`http://127.0.0.1:<port>`; the client adds `/v1/messages`). */
  readonly baseURL: string;
  readonly requests: FakeRequest[];
  /** Answers the next request with `reply` (replies queue up in order). */
  reply(reply: Reply): void;
  close(): Promise<void>;
}

/** Aborts the waits of replies still running when the server closes. */
const closing = new AbortController();
const wait = (ms: number) => sleep(ms, undefined, { signal: closing.signal });

export async function startFakeAnthropic(fallback: Reply = json(200, {})): Promise<FakeAnthropic> {
  const queue: Reply[] = [];
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>),
      };
      requests.push(request);
      Promise.resolve((queue.shift() ?? fallback)(res, request)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
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
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** A reply that waits `ms` before sending anything. */
export function delayed(ms: number, reply: Reply): Reply {
  return async (res, req) => {
    await wait(ms);
    if (!res.destroyed) await reply(res, req);
  };
}

/** One step of an SSE reply: a named event after `delayMs`, or the connection cut after `delayMs`. */
export type SseStep = { delayMs?: number; event: string; data: unknown } | { delayMs?: number; cut: true };

/**
 * An SSE reply: headers at once, then each step after its delay, as `event:` and JSON `data:`
 * lines. A `cut` step destroys the socket (a connection lost mid-stream).
 */
export function sse(steps: readonly SseStep[]): Reply {
  return async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
    res.flushHeaders();
    for (const step of steps) {
      if (step.delayMs) await wait(step.delayMs);
      if (res.destroyed) return;
      if ('cut' in step) {
        res.socket?.destroy();
        return;
      }
      res.write(`event: ${step.event}\ndata: ${JSON.stringify(step.data)}\n\n`);
    }
    res.end();
  };
}

// ---- payloads ----------------------------------------------------------------------------------

export const MODEL = 'claude-sonnet-4-5';
export const RESPONSE_MODEL = 'claude-sonnet-4-5-20250929';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** A Message, as `POST /v1/messages` returns it. */
export function message(content: unknown[] | string, usage?: Usage, stopReason = 'end_turn') {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: RESPONSE_MODEL,
    content: typeof content === 'string' ? [{ type: 'text', text: content }] : content,
    stop_reason: stopReason,
    stop_sequence: null,
    ...(usage === undefined ? {} : { usage }),
  };
}

export interface StreamScript {
  /** Text deltas of one text block, in order. */
  parts: readonly string[];
  /** Delay before message_start, ms. */
  startDelayMs?: number;
  /** Delay between message_start (and the empty block start and a ping) and the first text delta, ms. */
  firstDeltaDelayMs?: number;
  /** Delay before each later delta, ms. */
  partDelayMs?: number;
  /** Usage in message_start (input; output_tokens there is the API's placeholder 1). */
  startUsage?: Omit<Usage, 'output_tokens'>;
  /** Output tokens in the final message_delta; leave out for a stream with no usage at all. */
  outputTokens?: number;
  /** Cut the connection after this many text deltas instead of finishing. */
  cutAfter?: number;
  /** Send an `error` event after this many text deltas instead of finishing. */
  errorAfter?: number;
  /** Delay before message_delta, ms. */
  finishDelayMs?: number;
  stopReason?: string;
}

/** The SSE steps of a streamed message, as the Messages API sends them. */
export function messageStream(script: StreamScript): SseStep[] {
  const start = {
    id: 'msg_02',
    type: 'message',
    role: 'assistant',
    model: RESPONSE_MODEL,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    ...(script.startUsage === undefined ? {} : { usage: { ...script.startUsage, output_tokens: 1 } }),
  };
  const steps: SseStep[] = [
    { delayMs: script.startDelayMs, event: 'message_start', data: { type: 'message_start', message: start } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  for (let i = 0; i < script.parts.length; i++) {
    if (script.cutAfter === i) {
      steps.push({ delayMs: script.partDelayMs, cut: true });
      return steps;
    }
    if (script.errorAfter === i) {
      steps.push({ delayMs: script.partDelayMs, event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
      return steps;
    }
    steps.push({
      delayMs: i === 0 ? script.firstDeltaDelayMs : script.partDelayMs,
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: script.parts[i] } },
    });
  }
  steps.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } });
  steps.push({
    delayMs: script.finishDelayMs,
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: script.stopReason ?? 'end_turn', stop_sequence: null },
      ...(script.outputTokens === undefined ? {} : { usage: { output_tokens: script.outputTokens } }),
    },
  });
  steps.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return steps;
}

export const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message } });
