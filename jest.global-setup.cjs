// Builds @ragmeter/sdk once before the integration tests: they run real Node programs against
// the published entry points (CommonJS, ESM, examples, the CLI, the demo, the benchmarks).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [join(__dirname, 'scripts', 'build-package.mjs')], {
    cwd: join(__dirname, 'packages', 'sdk'),
    stdio: 'inherit',
  });
};
