// Bumps every package of the repository to one version and points the packages at each other's
// new version: `npm run release -- <version>` (e.g. 0.2.0).
//
// 1. `npm version <version> --workspaces --include-workspace-root --no-git-tag-version`;
// 2. each dependency on a sibling @ragmeter/* package becomes `^<version>` in a publishable
//    package (so that an application's own copy of @ragmeter/sdk is shared) and `<version>`
//    exactly in a private one (the demo, the benchmarks);
// 3. packages/sdk/src/version.ts (VERSION) follows;
// 4. `npm install --package-lock-only` brings the lock file along.
// It refuses a version whose heading (`## <version>`) is missing from a publishable package's
// CHANGELOG.md. Committing, tagging and publishing stay manual (CONTRIBUTING.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const version = process.argv[2];
if (version === undefined || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('usage: npm run release -- <version>   (a full version such as 0.2.0 or 1.0.0-rc.1)');
  process.exit(2);
}

const packages = readdirSync(join(ROOT, 'packages'))
  .map((entry) => join(ROOT, 'packages', entry, 'package.json'))
  .filter((path) => existsSync(path))
  .map((path) => ({ path, manifest: JSON.parse(readFileSync(path, 'utf8')) }));
const names = new Set(packages.map((p) => p.manifest.name));

const missing = packages
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ path }) => join(dirname(path), 'CHANGELOG.md'))
  .filter((changelog) => !existsSync(changelog) || !readFileSync(changelog, 'utf8').includes(`\n## ${version}\n`));
if (missing.length > 0) {
  console.error(`release: write the "## ${version}" section first in:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  process.exit(1);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
execFileSync(npm, ['version', version, '--workspaces', '--include-workspace-root', '--no-git-tag-version', '--no-workspaces-update'], {
  cwd: ROOT,
  stdio: 'inherit',
});

for (const { path } of packages) {
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const range = manifest.private === true ? version : `^${version}`;
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (names.has(name)) manifest[field][name] = range;
    }
  }
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
const versionFile = join(ROOT, 'packages', 'sdk', 'src', 'version.ts');
writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace(/VERSION = '[^']*'/, `VERSION = '${version}'`));
execFileSync(npm, ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });

console.log(`\nEvery package is at ${version}. Next (CONTRIBUTING.md, "Releasing"):
  npm run build && npm test && npm run test:compat
  git commit -am "Release ${version}" && git tag v${version}
  npm publish --workspaces --dry-run   # then without --dry-run; private packages are skipped`);
