// Builds one publishable package (run in its folder: `node ../../scripts/build-package.mjs`).
//
// The implementation is compiled once, to CommonJS plus declarations (tsconfig.build.json), and
// each entry point of package.json "exports" gets a thin ES module that re-exports the CommonJS
// module by name. One implementation for both module systems means one copy of ragmeter's state
// (the global monitor, OTel registrations) whichever way an application loads it.
//
// The output is built beside dist/ and swapped in at the end, so programs already running
// against dist/ (a test suite, say) never see it half-written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const out = join(root, `dist.${process.pid}.tmp`);

rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'cjs'), '--declarationDir', join(out, 'types')],
  { stdio: 'inherit' },
);
writeFileSync(join(out, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
mkdirSync(join(out, 'esm'), { recursive: true });
writeFileSync(join(out, 'esm', 'package.json'), '{ "type": "module" }\n');

// Every "exports" entry of the form { import: ./dist/esm/X.js, require: ./dist/cjs/X.js }.
for (const target of Object.values(manifest.exports ?? {})) {
  if (typeof target !== 'object' || target.import === undefined) continue;
  const esm = join(out, target.import.replace(/^\.\/dist\//, ''));
  const cjs = join(out, target.require.replace(/^\.\/dist\//, ''));
  const names = Object.keys(require(cjs))
    .filter((n) => n !== '__esModule' && n !== 'default')
    .sort();
  const from = relative(dirname(esm), cjs).split('\\').join('/');
  mkdirSync(dirname(esm), { recursive: true });
  writeFileSync(
    esm,
    `import cjs from '${from.startsWith('.') ? from : `./${from}`}';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\n`,
  );
}

const old = join(root, `dist.${process.pid}.old`);
try {
  renameSync(join(root, 'dist'), old);
} catch {
  // first build: nothing to move away
}
renameSync(out, join(root, 'dist'));
rmSync(old, { recursive: true, force: true });
