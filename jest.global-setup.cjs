// Builds the publishable packages once before the integration tests: they run real Node programs
// against the published entry points (CommonJS, ESM, examples, the CLI, the demo, the
// benchmarks). @ragmeter/sdk first: the others compile against its declarations.
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const PACKAGES = join(__dirname, 'packages');
const BUILD = join(__dirname, 'scripts', 'build-package.mjs');

module.exports = async function globalSetup() {
  const publishable = readdirSync(PACKAGES).filter((name) => {
    const manifest = JSON.parse(readFileSync(join(PACKAGES, name, 'package.json'), 'utf8'));
    return (manifest.scripts?.build ?? '').includes('build-package.mjs');
  });
  for (const name of ['sdk', ...publishable.filter((n) => n !== 'sdk')]) {
    execFileSync(process.execPath, [BUILD], { cwd: join(PACKAGES, name), stdio: 'inherit' });
  }
};
