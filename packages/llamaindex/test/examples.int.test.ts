import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The example imports '@ragmeter/llamaindex' by name, so it runs against the built package (the
// SDK is built by the integration lane's global set-up; this package is built here). It is an
// ES module: LlamaIndex's ES-module build, whose Settings is not the CommonJS one.
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

beforeAll(() => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
}, 120_000);

it('the README quick start answers a streamed query and prints a report with each stage', async () => {
  const { stdout, stderr } = await run(process.execPath, [join(PACKAGE, 'examples', 'quick-start.mjs')], { cwd: PACKAGE });
  expect(stdout).toContain('A reranker re-orders retrieved passages');
  // One query, its retrieval, the LLM call, and embeddings: the three documents at indexing
  // (one batch) and the question.
  expect(stdout).toMatch(/^query_processing\s+1\s+0\s/m);
  expect(stdout).toMatch(/^document_retrieval\s+1\s+0\s/m);
  expect(stdout).toMatch(/^llm_inference\s+1\s+0\s/m);
  expect(stdout).toMatch(/^embedding_generation\s+2\s+0\s/m);
  // ragmeter loads no copy of LlamaIndex the application does not: LlamaIndex warns for each
  // copy loaded after the first, and warns no more often than without ragmeter. (Where npm
  // installs @llamaindex/env twice, it warns once all the same.)
  const alone = await run(process.execPath, ['--input-type=module', '-e', "import 'llamaindex/indices';"], { cwd: PACKAGE });
  expect(warnings(stderr)).toBe(warnings(alone.stderr));
});

const warnings = (stderr: string) => stderr.split('already imported').length - 1;
