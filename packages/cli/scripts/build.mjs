// Compiles the CLI to dist/. The CLI's output requires @ragmeter/sdk's built dist, so the SDK
// is built first when its dist is missing or stale.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSdkBuilt } from '../../sdk/scripts/ensure-built.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

ensureSdkBuilt();
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
