// Compiles the CLI to dist/. The CLI's output requires @ragmeter/sdk's built dist, and the
// root `npm run build` visits workspaces alphabetically (cli before sdk), so the SDK is built
// first here when its dist is missing or older than its sources.
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
  // The SDK build writes dist/cjs/package.json once tsc has finished, so it marks a completed build.
  const stamp = join(sdk, 'dist', 'cjs', 'package.json');
  if (!existsSync(stamp) || !existsSync(join(sdk, 'dist', 'types', 'index.d.ts'))) return true;
  const inputs = readdirSync(sdk)
    .filter((name) => name === 'src' || name === 'scripts' || name.endsWith('.json'))
    .map((name) => join(sdk, name));
  const sources = Math.max(...inputs.map(newestMtime));
  return sources > statSync(stamp).mtimeMs;
}

if (sdkIsStale()) {
  execFileSync('npm', ['run', 'build', '-w', '@ragmeter/sdk'], {
    cwd: join(root, '..', '..'),
    stdio: 'inherit',
  });
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
