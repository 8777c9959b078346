// Builds the CommonJS implementation (plus declarations) and a thin ES-module entry that
// re-exports it by name. One implementation for both module systems means one copy of the
// global monitor and of the OTel state, whichever way the application imports ragmeter.
// The output is built beside dist/ and swapped in at the end, so programs already running
// against dist/ (a test suite, say) do not see it half-written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const out = join(root, `dist.${process.pid}.tmp`);

rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'cjs'), '--declarationDir', join(out, 'types')],
  { stdio: 'inherit' },
);
writeFileSync(join(out, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');

const cjs = require(join(out, 'cjs', 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default').sort();
mkdirSync(join(out, 'esm'), { recursive: true });
writeFileSync(join(out, 'esm', 'package.json'), '{ "type": "module" }\n');
writeFileSync(
  join(out, 'esm', 'index.js'),
  `import cjs from '../cjs/index.js';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\n`,
);

const old = join(root, `dist.${process.pid}.old`);
try {
  renameSync(join(root, 'dist'), old);
} catch {
  // first build: nothing to move away
}
renameSync(out, join(root, 'dist'));
rmSync(old, { recursive: true, force: true });
