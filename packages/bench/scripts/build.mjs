// Compiles the benchmarks to dist/. They load @ragmeter/sdk's and the integrations' built dist
// (what users run), so the SDK is built first when its dist is missing or stale, and the OpenAI
// and Anthropic integrations (a few small files each) are built every time.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSdkBuilt } from '../../sdk/scripts/ensure-built.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

ensureSdkBuilt();
for (const integration of ['openai', 'anthropic']) {
  execFileSync(process.execPath, [join(root, '..', '..', 'scripts', 'build-package.mjs')], { cwd: join(root, '..', integration), stdio: 'inherit' });
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
