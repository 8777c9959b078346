import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The example imports '@ragmeter/langchain' by name, so it runs against the built package (the
// SDK is built by the integration lane's global set-up; this package is built here).
const PACKAGE = join(__dirname, '..');
const run = promisify(execFile);

beforeAll(() => {
  execFileSync(process.execPath, [join(PACKAGE, '..', '..', 'scripts', 'build-package.mjs')], { cwd: PACKAGE, stdio: 'pipe' });
}, 120_000);

it('the README quick start answers, streams and prints a report with the chain\'s stages', async () => {
  const { stdout } = await run(process.execPath, [join(PACKAGE, 'examples', 'quick-start.mjs')], { cwd: PACKAGE });
  expect(stdout.match(/It puts the most relevant passages first\./g)).toHaveLength(2);
  // One invoke and one stream: two of each stage, none failed.
  for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) {
    expect(stdout).toMatch(new RegExp(`^${type}\\s+2\\s+0\\s`, 'm'));
  }
  expect(stdout).toMatch(/time to first token, llm_inference: .*\(1 streams\)/);
});
