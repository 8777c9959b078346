import { execFile, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The example imports '@ragmeter/ai-sdk' by name, so it runs against the built package (the
// SDK is built by the integration lane's global set-up; this package is built here). It talks
// to a local server speaking the OpenAI chat-completions API.
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

const requests: { path: string | undefined; body: Record<string, unknown> }[] = [];
let server: Server;
let baseURL: string;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-test',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

beforeAll(async () => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (data: Buffer) => (raw += data.toString()));
    req.on('end', () => {
      requests.push({ path: req.url, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      send(chunk({ role: 'assistant', content: '' }));
      for (const content of ['It re-orders', ' retrieved passages.']) send(chunk({ content }));
      send(chunk({}, 'stop'));
      send({ ...chunk({}), choices: [], usage: { prompt_tokens: 18, completion_tokens: 6, total_tokens: 24 } });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}, 120_000);
afterAll(() => new Promise((resolve) => server.close(resolve)));

it('the README quick start streams an answer and prints a report with its stages', async () => {
  const { stdout } = await run(process.execPath, [join(PACKAGE, 'examples', 'quick-start.mjs')], {
    cwd: PACKAGE,
    env: { ...process.env, OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-test' },
  });
  expect(stdout).toContain('It re-orders retrieved passages.');
  expect(stdout).toMatch(/^llm_inference\s+1\s+0\s/m);
  expect(stdout).toMatch(/^query_processing\s+1\s+0\s/m);
  expect(stdout).toMatch(/^ai_generation\s+1\s+0\s/m);
  expect(requests[0]).toMatchObject({ path: '/v1/chat/completions', body: { model: 'gpt-test', stream: true } });
});
