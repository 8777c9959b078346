// The fleet view against a fake Prometheus on loopback, for what a real one cannot easily be
// made to do: refuse a token, answer with HTML, reject a query, and hold cost series of chosen
// values. Every error is one line on stderr and exit 2.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../src/main.js';
import { costQueries } from '../../src/fleet/cost-queries.js';
import { checkReport } from '../../src/report-schema.js';
import { fleetQueries } from '../../src/fleet/promql.js';
import type { FleetReport } from '../../src/fleet/fleet-report.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  query: string;
  time: string;
}

type Answer = { status: number; body: string; contentType?: string };

/** A Prometheus stand-in: `answer` decides each reply from the PromQL it was sent. */
async function fakePrometheus(answer: (query: string) => Answer): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({ path: req.url ?? '', headers: req.headers, query: form.get('query') ?? '', time: form.get('time') ?? '' });
      const reply = answer(form.get('query') ?? '');
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const vector = (result: Array<[Record<string, string>, number]>): Answer => ({
  status: 200,
  body: JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: result.map(([metric, v]) => ({ metric, value: [1700000000, String(v)] })) },
  }),
});

/**
 * Canned answers by what each query asks: llm_inference (10 operations) and
 * document_retrieval (5, never with a model) on two instances; with cost, llm_inference has
 * 8 priced operations for $0.40 and 2 unpriced.
 */
function cannedFleet(withCost: boolean, overrides: Record<string, Array<[Record<string, string>, number]>> = {}): (query: string) => Answer {
  const names = new Map(Object.entries({ ...fleetQueries({ matchers: [] }), ...costQueries({ matchers: [] }) }).map(([k, q]) => [q, k]));
  const t = { rag_operation_type: 'llm_inference' };
  const r = { rag_operation_type: 'document_retrieval' };
  const answers: Record<string, Array<[Record<string, string>, number]>> = {
    count: [[t, 10], [r, 5]],
    failed: [[t, 1]],
    durationSum: [[t, 12]],
    p50: [[t, 1.1]],
    p95: [[t, 2.2]],
    p99: [[t, 2.5]],
    min: [[t, 0.64]],
    max: [[t, 2.56]],
    tokens: [
      [{ ...t, gen_ai_token_type: 'input' }, 1000],
      [{ ...t, gen_ai_token_type: 'output' }, 300],
    ],
    instances: [
      [{ job: 'rag-api', instance: 'b:9464' }, 1],
      [{ job: 'rag-api', instance: 'a:9464' }, 1],
    ],
    instanceOperations: [
      [{ job: 'rag-api', instance: 'a:9464' }, 6],
      [{ job: 'rag-api', instance: 'b:9464' }, 4],
    ],
    costUsd: withCost ? [[t, 0.4]] : [],
    priced: withCost ? [[t, 8]] : [],
    unpriced: withCost ? [[t, 2]] : [],
    ...overrides,
  };
  return (query) => {
    const name = names.get(query);
    if (name === undefined) return { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'unexpected query' }) };
    return vector(answers[name] ?? []);
  };
}

async function ragmeter(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  delete process.env.RAGMETER_PROMETHEUS_HEADERS;
});
async function start(answer: (query: string) => Answer): Promise<{ url: string; seen: Seen[] }> {
  const fake = await fakePrometheus(answer);
  servers.push(fake.server);
  return fake;
}

/** One line, the command's name first, no stack trace. */
function expectOneLine(run: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^ragmeter (report|watch|compare): [^\n]+\n$/);
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(run.stderr).toMatch(pattern);
}

describe('fleet report from a fake Prometheus', () => {
  it('sends every query at once, at one evaluation time, under the URL path, and counts them', async () => {
    const fake = await start(cannedFleet(false));
    const run = await ragmeter('report', '--prometheus', `${fake.url}/prom/`, '--json');
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as FleetReport;
    expect(report.operations.llm_inference).toMatchObject({
      total: 10,
      failed: 1,
      successful: 9,
      error_rate: 0.1,
      duration: { min: 0.64, max: 2.56, avg: 1.2, p50: 1.1, p95: 2.2, p99: 2.5 },
      tokens: { total: 1300, avg: 130, input: 1000, output: 300 },
    });
    expect(report.instances).toEqual({
      count: 2,
      list: [
        { job: 'rag-api', instance: 'a:9464', total_operations: 6 },
        { job: 'rag-api', instance: 'b:9464', total_operations: 4 },
      ],
    });
    // No operation had a model: every type without cost, the total there with zeros (as the SDK).
    expect(report.cost).toEqual({ total_usd: 0, unpriced_operations: 0 });
    expect(report.operations.llm_inference).not.toHaveProperty('cost');
    expect(report.operations.document_retrieval).not.toHaveProperty('cost');
    expect(checkReport(report)).toEqual({ ok: true, report });
    expect(new Set(fake.seen.map((s) => s.path))).toEqual(new Set(['/prom/api/v1/query']));
    expect(new Set(fake.seen.map((s) => s.time)).size).toBe(1);
    const table = await ragmeter('report', '--prometheus', fake.url);
    expect(table.stdout).toContain(`(${fake.seen.length / 2} queries;`);
  });

  it('fills cost for the types with cost series only: avg over the priced operations, the total summed', async () => {
    const fake = await start(cannedFleet(true));
    const report = JSON.parse((await ragmeter('report', '--prometheus', fake.url, '--json')).stdout) as FleetReport;
    expect(report.operations.llm_inference!.cost).toEqual({ total_usd: 0.4, avg_usd: 0.4 / 8, unpriced_operations: 2 });
    expect(report.operations.document_retrieval).not.toHaveProperty('cost');
    expect(report.cost).toEqual({ total_usd: 0.4, unpriced_operations: 2 });
    expect(checkReport(report)).toEqual({ ok: true, report });
    expect(fake.seen.map((s) => s.query)).toContain('sum by (rag_operation_type) (rag_operation_priced_total)');
  });

  it('gives a type whose models are all unpriced a cost of 0 with avg 0, and sums the total over types', async () => {
    const t = { rag_operation_type: 'llm_inference' };
    const r = { rag_operation_type: 'document_retrieval' };
    const fake = await start(
      cannedFleet(true, { costUsd: [[t, 0.25]], priced: [[t, 5]], unpriced: [[t, 1], [r, 5]] }),
    );
    const report = JSON.parse((await ragmeter('report', '--prometheus', fake.url, '--json')).stdout) as FleetReport;
    expect(report.operations.llm_inference!.cost).toEqual({ total_usd: 0.25, avg_usd: 0.05, unpriced_operations: 1 });
    expect(report.operations.document_retrieval!.cost).toEqual({ total_usd: 0, avg_usd: 0, unpriced_operations: 5 });
    expect(report.cost).toEqual({ total_usd: 0.25, unpriced_operations: 6 });
    expect(checkReport(report)).toEqual({ ok: true, report });
    const table = (await ragmeter('report', '--prometheus', fake.url)).stdout;
    expect(table.split('\n').find((line) => line.startsWith('document_retrieval '))).toContain('unpriced');
  });

  it('sends the headers of RAGMETER_PROMETHEUS_HEADERS and --header; the flag wins', async () => {
    const fake = await start(cannedFleet(false));
    process.env.RAGMETER_PROMETHEUS_HEADERS = 'Authorization=Bearer%20from-env,X-Scope-OrgID=team-a';
    expect((await ragmeter('report', '--prometheus', fake.url)).code).toBe(0);
    expect(fake.seen[0]!.headers.authorization).toBe('Bearer from-env');
    expect(fake.seen[0]!.headers['x-scope-orgid']).toBe('team-a');
    fake.seen.length = 0;
    expect((await ragmeter('report', '--prometheus', fake.url, '--header', 'authorization: Bearer from-flag', '--header', 'X-Extra: 1')).code).toBe(0);
    expect(fake.seen[0]!.headers.authorization).toBe('Bearer from-flag');
    expect(fake.seen[0]!.headers['x-extra']).toBe('1');
  });
});

describe('fleet errors: exit 2 and one line that says what and where', () => {
  it('an unreachable server', async () => {
    const fake = await start(cannedFleet(false));
    servers.splice(0).forEach((s) => s.close());
    await new Promise((r) => setTimeout(r, 50));
    expectOneLine(await ragmeter('report', '--prometheus', fake.url), new RegExp(`cannot reach Prometheus at ${fake.url}: .*ECONNREFUSED`));
  });

  it('an auth failure, with the way to pass a token', async () => {
    const fake = await start(() => ({ status: 401, body: 'Unauthorized', contentType: 'text/plain' }));
    const seen = fake.seen;
    expectOneLine(
      await ragmeter('report', '--prometheus', fake.url, '--header', 'Authorization: Bearer wrong'),
      new RegExp(`^ragmeter report: Prometheus at ${fake.url} refused the request: HTTP 401 Unauthorized \\(set --header 'Authorization: Bearer <token>' or RAGMETER_PROMETHEUS_HEADERS\\)`),
    );
    // Credentials in the URL become basic auth and are never shown.
    const withUser = await ragmeter('watch', '--once', '--prometheus', fake.url.replace('http://', 'http://user:secret@'));
    expectOneLine(withUser, new RegExp(`^ragmeter watch: Prometheus at ${fake.url} refused the request: HTTP 401`));
    expect(withUser.stderr).not.toContain('secret');
    expect(seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it('a URL that is not the Prometheus API', async () => {
    const fake = await start(() => ({ status: 404, body: '<html>not here</html>', contentType: 'text/html' }));
    expectOneLine(
      await ragmeter('report', '--prometheus', `${fake.url}/grafana`),
      new RegExp(`Prometheus at ${fake.url}/grafana: /grafana/api/v1/query answered HTTP 404 without JSON \\(no Prometheus query API under this URL\\)`),
    );
  });

  it('a query the server rejects', async () => {
    const fake = await start(() => ({ status: 422, body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples' }) }));
    expectOneLine(await ragmeter('report', '--prometheus', fake.url), /rejected the query ".+": query processing would load too many samples$/m);
  });

  it('no ragmeter series', async () => {
    const fake = await start(() => vector([]));
    expectOneLine(
      await ragmeter('watch', '--prometheus', fake.url, '--once', '--selector', 'job="rag-api"'),
      new RegExp(`Prometheus at ${fake.url} has no ragmeter series matching \\{job="rag-api"\\}`),
    );
  });

  it.each([
    [['--prometheus', 'http://['], /--prometheus 'http:\/\/\[': not a valid URL/],
    [['--prometheus', 'ftp://host'], /must be an http or https URL/],
    [['--prometheus', 'http://127.0.0.1:9', '--window', '5 minutes'], /--window '5 minutes': not a duration/],
    [['--prometheus', 'http://127.0.0.1:9', '--selector', 'job=x'], /--selector 'job=x'/],
    [['--prometheus', 'http://127.0.0.1:9', '--header', 'Bearer x'], /--header 'Bearer x': expected 'Name: value'/],
  ])('a bad argument: %j', async (args, pattern) => {
    expectOneLine(await ragmeter('report', ...args), pattern);
  });

  it('a malformed RAGMETER_PROMETHEUS_HEADERS, without echoing its value', async () => {
    process.env.RAGMETER_PROMETHEUS_HEADERS = 'Bearer secret-token';
    const run = await ragmeter('report', '--prometheus', 'http://127.0.0.1:9');
    expectOneLine(run, /RAGMETER_PROMETHEUS_HEADERS: expected name=value pairs/);
    expect(run.stderr).not.toContain('secret-token');
  });

  it('fleet options without --prometheus are a usage error', async () => {
    const run = await ragmeter('report', 'some.json', '--window', '5m');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ragmeter report: --window needs --prometheus <url>\n/);
  });
});
