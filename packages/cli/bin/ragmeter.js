#!/usr/bin/env node
'use strict';
// Thin entry point: everything lives in the compiled dist (npm run build -w @ragmeter/cli).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('ragmeter: the CLI is not built yet; run `npm run build` (or `npm run build -w @ragmeter/cli`) first\n');
  process.exit(2);
}
require(main).runCli();
