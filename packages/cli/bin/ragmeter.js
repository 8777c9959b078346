#!/usr/bin/env node
'use strict';
// Thin entry point: everything lives in the compiled dist (npm run build -w @ragmeter/cli).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this file is CommonJS
require('../dist/main.js').runCli();
