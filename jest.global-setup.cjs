// Builds @ragmeter/sdk once before the suite: tests that run real Node programs against the
// published entry points (CommonJS, ESM, examples, the CLI, the demo) need its dist/.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [join(__dirname, 'packages', 'sdk', 'scripts', 'build.mjs')], { stdio: 'inherit' });
};
