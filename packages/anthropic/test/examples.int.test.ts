import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { messageStream, sse, startFakeAnthropic, type FakeAnthropic } from './helpers/fake-anthropic';

// The example imports '@ragmeter/anthropic' by name, so it runs against the built package (the
// SDK is built by the integration lane's global set-up; this package is built here).
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

let server: FakeAnthropic;
beforeAll(async () => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
  server = await startFakeAnthropic();
}, 120_000);
afterAll(() => server?.close());

it('the README quick start streams an answer and prints a report with its llm_inference operation', async () => {
  server.reply(sse(messageStream({ parts: ['It re-orders', ' retrieved passages.'], startUsage: { input_tokens: 18 }, outputTokens: 6 })));
  const { stdout } = await run(process.execPath, [join(PACKAGE, 'examples', 'quick-start.mjs')], {
    cwd: PACKAGE,
    env: { ...process.env, ANTHROPIC_BASE_URL: server.baseURL, ANTHROPIC_API_KEY: 'sk-ant-test' },
  });
  expect(stdout).toContain('It re-orders retrieved passages.');
  expect(stdout).toMatch(/^llm_inference\s+1\s+0\s/m);
  expect(server.requests[0]).toMatchObject({ path: '/v1/messages', body: { stream: true } });
});
