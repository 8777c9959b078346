// The HTTP API (node:http):
//   POST /query  {"question": "..."} -> 200 {answer, mode, sources, timings}
//   GET  /healthz                    -> 200 {"status":"ok", ...}
// Bad requests get 400 with {"error": "..."}; unknown routes 404; an LLM timeout 504.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmTimeoutError } from './llm.js';
import type { RagPipeline } from './query-pipeline.js';

export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_QUESTION_CHARS = 2000;

/**
 * The workload sets this header on a few requests to simulate an upstream failure. It is
 * honoured only when the server is created with `faultInjection: true`.
 */
export const FAULT_HEADER = 'x-ragmeter-demo-fault';

export interface ApiServerOptions {
  pipeline: Pick<RagPipeline, 'query'>;
  faultInjection?: boolean;
  /** Extra fields for GET /healthz. */
  health?: () => Record<string, unknown>;
}

class BadRequest extends Error {}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** Reads at most MAX_BODY_BYTES; a longer body is a BadRequest (checked before reading when Content-Length says so). */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = `request body is larger than ${MAX_BODY_BYTES} bytes`;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return Promise.reject(new BadRequest(tooLarge));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume(); // discard the rest
        reject(new BadRequest(tooLarge));
      } else {
        parts.push(part);
      }
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** The question from a POST /query request, or a BadRequest saying what is wrong. */
export function parseQuestion(contentType: string | undefined, body: string): string {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new BadRequest(`Content-Type must be application/json, got ${contentType ? `"${contentType}"` : 'none'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest('request body must be a JSON object like {"question": "..."}');
  }
  const question = (parsed as { question?: unknown }).question;
  if (question === undefined) throw new BadRequest('missing "question"');
  if (typeof question !== 'string') throw new BadRequest('"question" must be a string');
  const trimmed = question.trim();
  if (trimmed === '') throw new BadRequest('"question" is empty');
  if (trimmed.length > MAX_QUESTION_CHARS) throw new BadRequest(`"question" is longer than ${MAX_QUESTION_CHARS} characters`);
  return trimmed;
}

async function handleQuery(req: IncomingMessage, res: ServerResponse, options: ApiServerOptions): Promise<void> {
  let question: string;
  try {
    question = parseQuestion(req.headers['content-type'], await readBody(req));
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    // After a refused body the connection may hold unread bytes: do not reuse it.
    sendJson(res, 400, { error: error.message }, { connection: 'close' });
    return;
  }
  const injectLlmTimeout = options.faultInjection === true && req.headers[FAULT_HEADER] === 'llm-timeout';
  try {
    sendJson(res, 200, await options.pipeline.query(question, { injectLlmTimeout }));
  } catch (error) {
    if (error instanceof LlmTimeoutError) sendJson(res, 504, { error: error.message });
    else throw error;
  }
}

export function createApiServer(options: ApiServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async (): Promise<void> => {
      if (path === '/query') {
        if (req.method === 'POST') return handleQuery(req, res, options);
        return sendJson(res, 405, { error: 'use POST /query' }, { allow: 'POST' });
      }
      if (path === '/healthz') {
        if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, { status: 'ok', ...options.health?.() });
        return sendJson(res, 405, { error: 'use GET /healthz' }, { allow: 'GET, HEAD' });
      }
      sendJson(res, 404, { error: `no route for ${req.method} ${path}; try POST /query or GET /healthz` });
    };
    route().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${message}` });
      else res.destroy();
    });
  });
}

/** Starts listening; resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections and closes idle keep-alive ones; resolves when all are gone. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
