// Builds the CommonJS implementation (plus declarations) and a thin ES-module entry that
// re-exports it by name. One implementation for both module systems means one copy of the
// global monitor and of the OTel state, whichever way the application imports ragmeter.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');

const cjs = createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default').sort();
mkdirSync(join(root, 'dist', 'esm'), { recursive: true });
writeFileSync(join(root, 'dist', 'esm', 'package.json'), '{ "type": "module" }\n');
writeFileSync(
  join(root, 'dist', 'esm', 'index.js'),
  `import cjs from '../cjs/index.js';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\n`,
);
