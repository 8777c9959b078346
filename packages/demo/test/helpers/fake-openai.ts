// A local OpenAI-compatible server for tests: POST /v1/chat/completions, streaming (SSE chunks,
// then a usage chunk when stream_options.include_usage is set, then [DONE]) or not. It
// records every request and the usage it reported, so tests compare against what was sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages: { role: string; content: string }[];
}

export interface FakeOpenAiOptions {
  /** The answer, sent in these pieces when streaming. */
  pieces?: string[];
  /** Wait before the first content chunk (and before a non-streamed answer), ms. */
  firstTokenDelayMs?: number;
  /** Wait between later chunks, ms. */
  chunkDelayMs?: number;
  /** Leave usage out of the responses, as some compatible servers do. */
  omitUsage?: boolean;
}

export interface FakeOpenAi {
  /** Base URL for the client, ending in /v1. */
  baseURL: string;
  requests: ChatRequest[];
  /** The usage reported in each response, in order. */
  usages: { prompt_tokens: number; completion_tokens: number; total_tokens: number }[];
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const pieces = options.pieces ?? ['The answer ', 'is in ', 'the sources [1].'];
  const requests: ChatRequest[] = [];
  const usages: FakeOpenAi['usages'] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
          return;
        }
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as ChatRequest;
        requests.push(body);
        // Distinct, request-dependent numbers, so a test cannot pass by accident.
        const prompt = body.messages.reduce((n, m) => n + m.content.length, 0);
        const usage = { prompt_tokens: 1000 + prompt, completion_tokens: 7 * pieces.length + requests.length, total_tokens: 0 };
        usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
        const base = { id: `chatcmpl-${requests.length}`, created: 1_700_000_000, model: body.model };
        if (!options.omitUsage) usages.push(usage);
        await sleep(options.firstTokenDelayMs ?? 0);
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              ...base,
              object: 'chat.completion',
              choices: [{ index: 0, message: { role: 'assistant', content: pieces.join('') }, finish_reason: 'stop' }],
              ...(options.omitUsage ? {} : { usage }),
            }),
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const send = (chunk: unknown): boolean => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        const chunk = (delta: object, finish: string | null) => ({
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta, finish_reason: finish }],
        });
        send(chunk({ role: 'assistant', content: '' }, null));
        for (const [i, piece] of pieces.entries()) {
          if (i > 0) await sleep(options.chunkDelayMs ?? 0);
          send(chunk({ content: piece }, null));
        }
        send(chunk({}, 'stop'));
        if (body.stream_options?.include_usage && !options.omitUsage) {
          send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
        }
        res.end('data: [DONE]\n\n');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    usages,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
