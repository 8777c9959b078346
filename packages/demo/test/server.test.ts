// The HTTP API's contract: validation (400), routes (404/405), health, fault header, errors.
// The pipeline is a recording stub: a bad request must never reach it.
import { request, type Server } from 'node:http';
import { LlmTimeoutError } from '../src/llm';
import type { QueryOptions, QueryResult } from '../src/query-pipeline';
import { close, createApiServer, FAULT_HEADER, listen, MAX_BODY_BYTES, parseQuestion } from '../src/server';

const RESULT: QueryResult = { answer: 'a', mode: 'extractive', sources: [], timings: { query_processing: 0.001 } as QueryResult['timings'] };

let calls: { question: string; options: QueryOptions | undefined }[];
let behaviour: () => Promise<QueryResult>;
const servers: Server[] = [];

async function start(faultInjection = false): Promise<string> {
  const server = createApiServer({
    pipeline: {
      query: (question: string, options?: QueryOptions) => {
        calls.push({ question, options });
        return behaviour();
      },
    },
    faultInjection,
    health: () => ({ documents: 6 }),
  });
  servers.push(server);
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
}

let base: string;
beforeAll(async () => {
  base = await start();
});
beforeEach(() => {
  calls = [];
  behaviour = async () => RESULT;
});
afterAll(async () => {
  for (const server of servers) await close(server);
});

async function post(body: string, contentType: string | null = 'application/json', url = `${base}/query`, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...(contentType === null ? {} : { 'content-type': contentType }), ...headers },
    // fetch labels a string body text/plain; bytes go without a Content-Type
    body: contentType === null ? new TextEncoder().encode(body) : body,
  });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /query validation', () => {
  const cases: [string, string, string | null, RegExp][] = [
    ['not JSON', 'question?', 'application/json', /not valid JSON/],
    ['an empty body', '', 'application/json', /not valid JSON/],
    ['a JSON array', '["q"]', 'application/json', /must be a JSON object/],
    ['JSON null', 'null', 'application/json', /must be a JSON object/],
    ['a JSON string', '"How?"', 'application/json', /must be a JSON object/],
    ['no question', '{"q": "How?"}', 'application/json', /missing "question"/],
    ['a numeric question', '{"question": 42}', 'application/json', /"question" must be a string/],
    ['an empty question', '{"question": ""}', 'application/json', /"question" is empty/],
    ['a blank question', '{"question": " \\n\\t "}', 'application/json', /"question" is empty/],
    ['a too long question', JSON.stringify({ question: 'x'.repeat(2001) }), 'application/json', /longer than 2000 characters/],
    ['text/plain', '{"question": "How?"}', 'text/plain', /Content-Type must be application\/json, got "text\/plain"/],
    ['form data', 'question=How', 'application/x-www-form-urlencoded', /Content-Type must be application\/json/],
    ['no Content-Type', '{"question": "How?"}', null, /Content-Type must be application\/json, got none/],
  ];
  it.each(cases)('rejects %s with 400 and a message', async (_name, body, contentType, message) => {
    const response = await post(body, contentType);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
    expect(calls).toEqual([]);
  });

  it('accepts a body of exactly the limit and rejects one byte more', async () => {
    const json = (size: number) => {
      const body = JSON.stringify({ question: 'How?' });
      return body.slice(0, -1) + ' '.repeat(size - body.length) + '}';
    };
    expect(Buffer.byteLength(json(MAX_BODY_BYTES))).toBe(16 * 1024);
    expect((await post(json(MAX_BODY_BYTES))).status).toBe(200);
    const tooBig = await post(json(MAX_BODY_BYTES + 1));
    expect(tooBig).toEqual({ status: 400, body: { error: 'request body is larger than 16384 bytes' } });
    expect(calls).toHaveLength(1);
  });

  it('rejects an oversized chunked body (no Content-Length) while reading it', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base}/query`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      expect(req.getHeader('content-length')).toBeUndefined();
      for (let i = 0; i < 20; i++) req.write('{"question": "' + 'x'.repeat(1024));
      req.end();
    });
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({ error: 'request body is larger than 16384 bytes' });
    expect(calls).toEqual([]);
  });

  it('passes the trimmed question on; a charset parameter is fine', async () => {
    const response = await post('{"question": "  How long is the warranty?  ", "extra": 1}', 'Application/JSON; charset=utf-8');
    expect(response).toEqual({ status: 200, body: RESULT as unknown as Record<string, unknown> });
    expect(calls).toEqual([{ question: 'How long is the warranty?', options: { injectLlmTimeout: false } }]);
  });
});

describe('errors from the pipeline', () => {
  it('maps an LLM timeout to 504 and anything else to 500, both as JSON', async () => {
    behaviour = async () => {
      throw new LlmTimeoutError('LLM gave no answer within 10 ms');
    };
    expect(await post('{"question": "q"}')).toEqual({ status: 504, body: { error: 'LLM gave no answer within 10 ms' } });
    behaviour = async () => {
      throw new Error('index corrupted');
    };
    expect(await post('{"question": "q"}')).toEqual({ status: 500, body: { error: 'internal error: index corrupted' } });
  });
});

describe('fault injection header', () => {
  it('is ignored unless the server enables fault injection', async () => {
    await post('{"question": "q"}', 'application/json', `${base}/query`, { [FAULT_HEADER]: 'llm-timeout' });
    const faulty = await start(true);
    await post('{"question": "q"}', 'application/json', `${faulty}/query`, { [FAULT_HEADER]: 'llm-timeout' });
    await post('{"question": "q"}', 'application/json', `${faulty}/query`, { [FAULT_HEADER]: 'something-else' });
    expect(calls.map((c) => c.options?.injectLlmTimeout)).toEqual([false, true, false]);
  });
});

describe('routes', () => {
  it('serves GET /healthz with the extra health fields', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', documents: 6 });
  });

  it('answers 404 for unknown routes and 405 for the wrong method', async () => {
    const unknown = await fetch(`${base}/search`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no route for GET \/search/);
    const getQuery = await fetch(`${base}/query`);
    expect(getQuery.status).toBe(405);
    expect(getQuery.headers.get('allow')).toBe('POST');
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    expect(calls).toEqual([]);
  });
});

describe('parseQuestion', () => {
  it('returns the trimmed question of a valid body', () => {
    expect(parseQuestion('application/json', '{"question":" a "}')).toBe('a');
  });
});
