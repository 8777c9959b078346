import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chatStream, sse, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai';

// The example imports '@ragmeter/openai' by name, so it runs against the built package (the
// SDK is built by the integration lane's global set-up; this package is built here).
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

let server: FakeOpenAI;
beforeAll(async () => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
  server = await startFakeOpenAI();
}, 120_000);
afterAll(() => server?.close());

it('the README quick start streams an answer and prints a report with its llm_inference operation', async () => {
  server.reply(sse(chatStream({ parts: ['It re-orders', ' retrieved passages.'], usage: { prompt_tokens: 18, completion_tokens: 6 } })));
  const { stdout } = await run(process.execPath, [join(PACKAGE, 'examples', 'quick-start.mjs')], {
    cwd: PACKAGE,
    env: { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test' },
  });
  expect(stdout).toContain('It re-orders retrieved passages.');
  expect(stdout).toMatch(/^llm_inference\s+1\s+0\s/m);
  expect(server.requests[0]).toMatchObject({ path: '/chat/completions', body: { stream: true } });
});
