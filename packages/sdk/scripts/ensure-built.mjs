// For the workspaces that run against @ragmeter/sdk's built dist (the CLI, the benchmarks):
// builds the SDK when its dist is missing or older than its sources, so that
// `npm run build -w <workspace>` works on its own.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function isStale() {
  // The build writes dist/cjs/package.json after tsc has finished, so it marks a complete build.
  const stamp = join(sdk, 'dist', 'cjs', 'package.json');
  if (!existsSync(stamp) || !existsSync(join(sdk, 'dist', 'types', 'index.d.ts'))) return true;
  const inputs = readdirSync(sdk)
    .filter((name) => name === 'src' || name === 'scripts' || name.endsWith('.json'))
    .map((name) => join(sdk, name));
  return Math.max(...inputs.map(newestMtime)) > statSync(stamp).mtimeMs;
}

export function ensureSdkBuilt() {
  if (isStale()) {
    execFileSync(process.execPath, [join(sdk, '..', '..', 'scripts', 'build-package.mjs')], { cwd: sdk, stdio: 'inherit' });
  }
}
