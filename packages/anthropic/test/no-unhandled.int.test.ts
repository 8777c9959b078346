import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { errorBody, json, messageStream, sse, startFakeAnthropic, type FakeAnthropic } from './helpers/fake-anthropic';

// Failed calls, awaited or not, raise no unhandled rejection: checked in a plain Node process
// (test/fixtures/failures.mjs, against the built package), where Node reports them as an
// application would see them.
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

let server: FakeAnthropic;
beforeAll(async () => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
  server = await startFakeAnthropic();
}, 120_000);
afterAll(() => server?.close());

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

it('records every failure, rethrows the client’s errors, and raises no unhandled rejection', async () => {
  const parts = ['The', ' sky', ' is', ' blue.'];
  for (let client = 0; client < 2; client++) {
    server.reply(json(500, errorBody('api_error', 'boom')));
    server.reply(json(429, errorBody('rate_limit_error', 'slow down')));
    server.reply(json(529, errorBody('overloaded_error', 'Overloaded')));
    server.reply(sse(messageStream({ parts, partDelayMs: 10, cutAfter: 2 })));
    server.reply(sse(messageStream({ parts, partDelayMs: 10, errorAfter: 1 })));
    server.reply(sse(messageStream({ parts, partDelayMs: 200 })));
    server.reply(sse(messageStream({ parts, partDelayMs: 200 })));
    server.reply(json(429, errorBody('rate_limit_error', 'slow down')));
  }
  const { stdout } = await run(process.execPath, [join(__dirname, 'fixtures', 'failures.mjs')], {
    cwd: PACKAGE,
    env: { ...process.env, ANTHROPIC_BASE_URL: server.baseURL, ANTHROPIC_API_KEY: 'sk-ant-test', CLOSED_PORT: String(await closedPort()) },
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    unhandled: string[];
    caught: string[];
    llm: { total: number; successful: number; failed: number };
  };
  expect(result.unhandled).toEqual([]);
  // Per client: 429, the cut stream's error, the error event's APIError, the helper's 429.
  expect(result.caught).toHaveLength(8);
  expect(result.caught.filter((name) => name === 'RateLimitError')).toHaveLength(4);
  expect(result.caught.filter((name) => name === 'APIError')).toHaveLength(2);
  // Per client: 9 calls, the break the only success.
  expect(result.llm).toMatchObject({ total: 18, successful: 2, failed: 16 });
  expect(server.requests).toHaveLength(16);
});
