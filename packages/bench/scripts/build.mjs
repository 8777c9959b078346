// Compiles the benchmarks to dist/. They load @ragmeter/sdk's built dist (what users run), so
// the SDK is built first when its dist is missing or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sdk = join(root, '..', 'sdk');
const tsc = join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function sdkIsStale() {
  // The SDK build writes dist/cjs/package.json last, so its mtime marks a finished build.
  const stamp = join(sdk, 'dist', 'cjs', 'package.json');
  if (!existsSync(stamp) || !existsSync(join(sdk, 'dist', 'types', 'index.d.ts'))) return true;
  const inputs = readdirSync(sdk)
    .filter((name) => name === 'src' || name === 'scripts' || name.endsWith('.json'))
    .map((name) => join(sdk, name));
  return Math.max(...inputs.map(newestMtime)) > statSync(stamp).mtimeMs;
}

if (sdkIsStale()) {
  execFileSync('npm', ['run', 'build', '-w', '@ragmeter/sdk'], { cwd: join(root, '..', '..'), stdio: 'inherit' });
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
