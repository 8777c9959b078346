// The compatibility test: what a user does with the published packages, on every supported
// Node.js and OpenTelemetry JS line (`npm run test:compat`; .ci/run runs it after `npm test`).
//
// 1. Every publishable package (packages/*, not "private") is checked for its publishing
//    metadata, built, and packed with `npm pack`.
// 2. Node.js 20, 22 and 24 come from the npm registry's `node` package, installed once into the
//    cache directory.
// 3. For each cell (a Node.js major x an OTel JS line), a fresh application outside the
//    repository installs the tarballs with `npm install` run by that Node.js (npm picks versions
//    by the running Node's engines, as it does for a user), beside `@opentelemetry/sdk-node` and
//    `@opentelemetry/api` of the line, and each integration's peer libraries and what its quick
//    start imports, at the versions the integration is tested with.
// 4. In that application: every package's `examples/quick-start.{mjs,cjs,js}` (ESM and CJS),
//    the NodeSDK join (packages/sdk/examples/join-node-sdk.mjs), and each package bin's --help.
//    Integrations talk to a fake LLM server on loopback (scripts/compat/fake-llm.mjs).
//
// Prints a matrix; exits 1 on any failure, after printing each failing cell's output.
//
//   node scripts/compat.mjs [--node 20,22] [--otel 2,3] [--keep] [--skip-build]
//
// --skip-build packs the packages' dist as it is (CI builds just before); --keep keeps the
// applications and tarballs (the path is printed).
//
// RAGMETER_COMPAT_CACHE sets the directory for the npm cache and the Node.js binaries (default:
// <tmp>/ragmeter-compat-cache); it is kept between runs.
import { execFile } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeLlm } from './compat/fake-llm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The OpenTelemetry JS lines an application may run; `minNode` is what the line requires. */
const OTEL_LINES = {
  2: { label: 'OTel 2.x', packages: { '@opentelemetry/api': '1.9.1', '@opentelemetry/sdk-node': '0.223.0' }, minNode: [20, 6] },
  3: { label: 'OTel 3.x', packages: { '@opentelemetry/api': '1.10.0', '@opentelemetry/sdk-node': '0.301.0' }, minNode: [22, 15] },
};
const NODE_MAJORS = [20, 22, 24];
/** Generous: a first install on a cold cache fetches a few hundred packages. */
const INSTALL_TIMEOUT_MS = 8 * 60_000;
const RUN_TIMEOUT_MS = 90_000;

const { values: args } = parseArgs({
  options: {
    node: { type: 'string', default: NODE_MAJORS.join(',') },
    otel: { type: 'string', default: Object.keys(OTEL_LINES).join(',') },
    keep: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});
const nodeMajors = args.node.split(',').map(Number);
const otelLines = args.otel.split(',');
for (const line of otelLines) if (!(line in OTEL_LINES)) throw new Error(`--otel: unknown line ${line}`);

const cacheDir = resolve(process.env.RAGMETER_COMPAT_CACHE ?? join(tmpdir(), 'ragmeter-compat-cache'));
const npmCache = join(cacheDir, 'npm');
const work = mkdtempSync(join(tmpdir(), 'ragmeter-compat-'));
const npmCli = findNpmCli();
// npm's own semver: no dependency of the repository for one range check.
const semver = createRequire(npmCli)('semver');
const started = Date.now();

/** matrix[check][cell] = { status: 'ok' | 'FAIL' | 'n/a', output? } */
const matrix = new Map();
const record = (check, cell, status, output = '') => {
  if (!matrix.has(check)) matrix.set(check, new Map());
  matrix.get(check).set(cell, { status, output });
};

let fake;
try {
  const packages = discoverPackages();
  log(`packages: ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  for (const pkg of packages) record(`manifest ${pkg.name}`, 'all', ...checkManifest(pkg));

  if (!args['skip-build']) await build(packages);
  const tarballs = [];
  for (const pkg of packages) {
    const { file, files } = await pack(pkg);
    tarballs.push(file);
    const missing = ['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json'].filter((f) => !files.includes(f));
    record(`tarball ${pkg.name}`, 'all', missing.length === 0 ? 'ok' : 'FAIL', missing.length === 0 ? '' : `not in the tarball: ${missing.join(', ')}`);
  }

  const nodes = new Map();
  await pool(nodeMajors, 3, async (major) => nodes.set(major, await installNode(major)));
  fake = await startFakeLlm();

  const cells = [];
  for (const major of nodeMajors) {
    for (const line of otelLines) {
      const node = nodes.get(major);
      const cell = { name: `node ${major} / ${OTEL_LINES[line].label}`, major, line, node };
      cells.push(cell);
      if (!atLeast(node.version, OTEL_LINES[line].minNode)) {
        cell.skip = `OpenTelemetry JS ${line}.x needs Node.js >= ${OTEL_LINES[line].minNode.join('.')}`;
      }
    }
  }
  // Two at a time: installs wait on the network, checks on the CPU (CI has two cores).
  await pool(cells, 2, (cell) => runCell(cell, packages, tarballs));
  printMatrix(cells);
} catch (error) {
  console.error(`compat: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await fake?.close();
  if (args.keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

// --- packages --------------------------------------------------------------------------------

function discoverPackages() {
  const dir = join(ROOT, 'packages');
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const manifestPath = join(dir, entry, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private === true) continue;
    const examples = join(dir, entry, 'examples');
    const quickStarts = existsSync(examples)
      ? readdirSync(examples).filter((f) => /^quick-start\.(mjs|cjs|js)$/.test(f)).sort().map((f) => join(examples, f))
      : [];
    const imports = new Set(quickStarts.flatMap((file) => importedPackages(readFileSync(file, 'utf8'))));
    found.push({ dir: join(dir, entry), name: manifest.name, version: manifest.version, manifest, quickStarts, imports });
  }
  // Build order: a package after the publishable packages it depends on.
  const names = new Set(found.map((p) => p.name));
  const deps = (p) => Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies }).filter((d) => names.has(d));
  const ordered = [];
  const visit = (p, seen = new Set()) => {
    if (ordered.includes(p) || seen.has(p)) return;
    seen.add(p);
    for (const d of deps(p)) visit(found.find((q) => q.name === d), seen);
    ordered.push(p);
  };
  found.forEach((p) => visit(p));
  return ordered;
}

/** The metadata npm and users rely on; returns [status, problems]. */
function checkManifest({ dir, manifest: m }) {
  const problems = [];
  const need = (ok, what) => ok || problems.push(what);
  need(Array.isArray(m.files) && m.files.length > 0, '"files" lists what is published');
  need(typeof m.engines?.node === 'string', '"engines.node"');
  need(typeof m.license === 'string', '"license"');
  need(typeof m.repository?.url === 'string' && typeof m.repository?.directory === 'string', '"repository" with url and directory');
  need(m.publishConfig?.access === 'public', '"publishConfig.access": "public" (a scoped package is restricted otherwise)');
  need(typeof m.exports === 'object' && m.exports !== null, '"exports"');
  if (m.bin === undefined) {
    const entries = Object.entries(m.exports ?? {}).filter(([key]) => key !== './package.json' && !key.endsWith('.json'));
    need(entries.length > 0, '"exports" has an entry point');
    for (const [key, target] of entries) {
      need(typeof target === 'object' && ['types', 'import', 'require'].every((c) => typeof target[c] === 'string'), `"exports" "${key}" has types, import and require`);
    }
  }
  for (const [name, range] of Object.entries({ ...m.dependencies, ...m.peerDependencies })) {
    need(!/^\d+\.\d+\.\d+$/.test(range), `"${name}": "${range}" is a range, not an exact version`);
  }
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) need(existsSync(join(dir, file)), file);
  return problems.length === 0 ? ['ok'] : ['FAIL', `missing or wrong in package.json / the package folder:\n- ${problems.join('\n- ')}`];
}

async function build(packages) {
  for (const pkg of packages) {
    log(`build ${pkg.name}`);
    await run(process.execPath, [npmCli, 'run', 'build', '--workspace', pkg.name], { cwd: ROOT, timeoutMs: 5 * 60_000, env: process.env });
  }
}

async function pack(pkg) {
  const out = join(work, 'tarballs');
  mkdirSync(out, { recursive: true });
  const { stdout } = await run(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', out], {
    cwd: pkg.dir,
    env: cleanEnv(),
  });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  return { file: join(out, info.filename), files: info.files.map((f) => f.path) };
}

// --- Node.js binaries ------------------------------------------------------------------------

/** Node.js <major> from the npm registry's `node` package, installed once into the cache. */
async function installNode(major) {
  const prefix = join(cacheDir, `node-${major}`);
  const bin = join(prefix, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    log(`install node@${major}`);
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
    await run(process.execPath, [npmCli, 'install', '--no-audit', '--no-fund', '--no-save', '--cache', npmCache, `node@${major}`], {
      cwd: prefix,
      env: cleanEnv(),
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
  }
  const { stdout } = await run(bin, ['--version'], { env: cleanEnv() });
  const version = stdout.trim().replace(/^v/, '');
  if (Number(version.split('.')[0]) !== major) throw new Error(`${bin} is Node.js ${version}, not ${major}`);
  return { bin, version };
}

// --- one cell: an application on one Node.js and one OTel line ---------------------------------

async function runCell(cell, packages, tarballs) {
  const checks = checkNames(packages);
  if (cell.skip !== undefined) {
    for (const check of checks) record(check, cell.name, 'n/a', check === 'npm install' ? cell.skip : '');
    return;
  }
  const app = join(work, `app-node${cell.major}-otel${cell.line}`);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'compat-app', version: '1.0.0', private: true }, null, 2)}\n`);
  const env = { ...cleanEnv(), ...fake.env(), RAGMETER_PROMETHEUS_PORT: '0' };

  const specs = [...tarballs, ...Object.entries(OTEL_LINES[cell.line].packages).map(([n, v]) => `${n}@${v}`), ...librarySpecs(packages)];
  log(`${cell.name}: npm install (Node.js ${cell.node.version})`);
  try {
    const { stdout, stderr } = await run(
      cell.node.bin,
      [npmCli, 'install', '--no-audit', '--no-fund', '--prefer-offline', '--cache', npmCache, ...specs],
      { cwd: app, env, timeoutMs: INSTALL_TIMEOUT_MS },
    );
    record('npm install', cell.name, 'ok', stdout + stderr);
  } catch (error) {
    for (const check of checks) record(check, cell.name, check === 'npm install' ? 'FAIL' : '-', String(error.message));
    return;
  }
  record('no links, OTel shared with NodeSDK', cell.name, ...checkTree(app, packages, cell.line));

  for (const pkg of packages) {
    for (const file of pkg.quickStarts) {
      const copy = join(app, `${basename(pkg.dir)}-${basename(file)}`);
      copyFileSync(file, copy);
      const unsupported = unsupportedBy(app, pkg, cell.node.version);
      if (unsupported !== undefined) record(quickStartCheck(pkg, file), cell.name, 'n/a', unsupported);
      else record(quickStartCheck(pkg, file), cell.name, ...(await runProgram(cell, app, copy, env, checkQuickStart)));
    }
    for (const bin of Object.keys(binsOf(pkg.manifest))) {
      const link = join(app, 'node_modules', '.bin', bin);
      const usage = (stdout) => (stdout.includes(bin) ? [] : [`no usage text naming ${bin}`]);
      record(`${bin} --help`, cell.name, ...(await runProgram(cell, app, link, env, usage, ['--help'])));
    }
  }
  const join_ = join(app, 'join-node-sdk.mjs');
  copyFileSync(join(ROOT, 'packages', 'sdk', 'examples', 'join-node-sdk.mjs'), join_);
  record('NodeSDK join', cell.name, ...(await runProgram(cell, app, join_, env, checkJoin)));
}

function checkNames(packages) {
  const names = ['npm install', 'no links, OTel shared with NodeSDK'];
  for (const pkg of packages) {
    for (const file of pkg.quickStarts) names.push(quickStartCheck(pkg, file));
    for (const bin of Object.keys(binsOf(pkg.manifest))) names.push(`${bin} --help`);
  }
  return [...names, 'NodeSDK join'];
}

function quickStartCheck(pkg, file) {
  return `${pkg.name} ${basename(file)}`;
}

function binsOf(m) {
  return typeof m.bin === 'string' ? { [m.name.split('/').pop()]: m.bin } : (m.bin ?? {});
}

/**
 * The libraries the packages bring along in an application: each integration's peer libraries
 * and whatever its quick start imports (`@ai-sdk/openai`, say), at the versions the package is
 * tested with: its devDependencies (`openai: 7.59.0`, `openai-v6: npm:openai@6.49.0`) joined as
 * one range, from which npm takes the newest whose engines accept the running Node.js.
 */
function librarySpecs(packages) {
  const names = new Set(packages.map((p) => p.name));
  const specs = new Map();
  for (const { manifest, imports } of packages) {
    const wanted = new Set([...Object.keys(manifest.peerDependencies ?? {}), ...imports]);
    for (const library of wanted) {
      if (library.startsWith('@opentelemetry/') || names.has(library) || specs.has(library)) continue;
      const tested = [];
      for (const [name, spec] of Object.entries(manifest.devDependencies ?? {})) {
        if (name === library && /^\d/.test(spec)) tested.push(spec);
        const alias = /^npm:(.+)@(\d[^@]*)$/.exec(spec);
        if (alias !== null && alias[1] === library) tested.push(alias[2]);
      }
      const range = tested.length > 0 ? tested.join(' || ') : (manifest.peerDependencies?.[library] ?? manifest.dependencies?.[library]);
      if (range !== undefined) specs.set(library, `${library}@${range}`);
    }
  }
  return [...specs.values()];
}

/** The npm packages a program imports or requires by name (not node: builtins, not relative). */
function importedPackages(source) {
  const found = new Set();
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"./][^'"]*)['"]/gm)) {
    const specifier = m[1];
    if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) continue;
    const parts = specifier.split('/');
    found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...found];
}

/** Why `file`'s imported libraries cannot run on this Node.js (their engines), or undefined. */
function unsupportedBy(app, pkg, nodeVersion) {
  const reasons = [];
  for (const library of pkg.imports) {
    const manifestPath = join(app, 'node_modules', ...library.split('/'), 'package.json');
    if (!existsSync(manifestPath)) continue;
    const { version, engines } = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (typeof engines?.node === 'string' && !semver.satisfies(nodeVersion, engines.node)) {
      reasons.push(`${library}@${version} needs Node.js ${engines.node}`);
    }
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * The installed tree: real copies of the packages (no links), and @ragmeter/sdk resolving the
 * very OpenTelemetry packages the application's NodeSDK resolves, of the cell's line.
 */
function checkTree(app, packages, line) {
  const problems = [];
  for (const { name } of packages) {
    const dir = join(app, 'node_modules', ...name.split('/'));
    if (!existsSync(dir)) problems.push(`${name} is not installed`);
    else if (lstatSync(dir).isSymbolicLink()) problems.push(`${name} is a link, not an installed copy`);
  }
  const sdk = join(app, 'node_modules', '@ragmeter', 'sdk');
  const nodeSdk = join(app, 'node_modules', '@opentelemetry', 'sdk-node');
  for (const shared of ['@opentelemetry/api', '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-trace', '@opentelemetry/core', '@opentelemetry/resources']) {
    const ours = resolvePackage(app, sdk, shared);
    const theirs = resolvePackage(app, nodeSdk, shared);
    if (ours === undefined) {
      problems.push(`@ragmeter/sdk cannot resolve ${shared}`);
      continue;
    }
    const version = JSON.parse(readFileSync(ours, 'utf8')).version;
    if (ours !== theirs) problems.push(`@ragmeter/sdk has its own ${shared}@${version} (${ours}), not the NodeSDK's (${theirs})`);
    const major = Number(version.split('.')[0]);
    if (shared !== '@opentelemetry/api' && major !== Number(line)) problems.push(`${shared}@${version} is not of OpenTelemetry JS ${line}.x`);
  }
  return problems.length === 0 ? ['ok'] : ['FAIL', problems.join('\n')];
}

/** Node's lookup of `name` from the package in `from`: the nearest node_modules/<name> upwards. */
function resolvePackage(app, from, name) {
  for (let dir = from; dir.startsWith(app); dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', ...name.split('/'), 'package.json');
    if (existsSync(manifest)) return manifest;
  }
  return undefined;
}

/** A quick start must end well and print a report with at least one operation that succeeded. */
function checkQuickStart(stdout) {
  const rows = [...stdout.matchAll(/^([a-z][a-z0-9_]*)\s+(\d+)\s+(\d+)\s+\d+\.\d\s/gm)];
  if (rows.length === 0) return ['no report row (operation, count, failed, err%) in the output'];
  if (!rows.some((r) => Number(r[2]) > Number(r[3]))) return ['no operation in the report succeeded'];
  return [];
}

/**
 * join-node-sdk.mjs tracks query_processing > document_retrieval + llm_inference once each
 * inside the application's NodeSDK: each must reach /metrics, the application's span
 * processor (nested) and the percentile report.
 */
function checkJoin(stdout) {
  const problems = [];
  for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) {
    if (!new RegExp(`^rag_operation_duration_seconds_count\\{rag_operation_type="${type}"[^}]*\\} 1$`, 'm').test(stdout)) {
      problems.push(`/metrics has no count of 1 for ${type}`);
    }
    if (!new RegExp(`^${type}\\s+1\\s+0\\s`, 'm').test(stdout)) problems.push(`the report has no row "${type} 1 0"`);
  }
  for (const child of ['document_retrieval', 'llm_inference']) {
    if (!stdout.includes(`span ${child} parent query_processing`)) problems.push(`the application's SDK got no span ${child} under query_processing`);
  }
  if (!stdout.includes('span query_processing parent -')) problems.push("the application's SDK got no span query_processing");
  return problems;
}

/** Runs `file` (a program or a bin's link) with the cell's Node.js in the application. */
async function runProgram(cell, app, file, env, check, extraArgs = []) {
  const environment = { ...env, PATH: `${dirname(cell.node.bin)}:${env.PATH ?? ''}` };
  try {
    const { stdout, stderr } = await run(cell.node.bin, [file, ...extraArgs], { cwd: app, env: environment, timeoutMs: RUN_TIMEOUT_MS });
    const problems = check(stdout);
    return problems.length === 0 ? ['ok', stdout + stderr] : ['FAIL', `${problems.join('\n')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`];
  } catch (error) {
    return ['FAIL', error.message];
  }
}

// --- output ----------------------------------------------------------------------------------

function printMatrix(cells) {
  const columns = ['all', ...cells.map((c) => c.name)];
  const used = columns.filter((c) => [...matrix.values()].some((row) => row.has(c)));
  const rows = [...matrix.entries()].map(([check, byCell]) => [check, ...used.map((c) => byCell.get(c)?.status ?? '')]);
  const header = ['check', ...used];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));

  const failures = [];
  for (const [check, byCell] of matrix) {
    for (const [cell, { status, output }] of byCell) if (status === 'FAIL') failures.push({ check, cell, output });
  }
  const notes = new Set();
  for (const [check, byCell] of matrix) {
    for (const [cell, { status, output }] of byCell) if (status === 'n/a' && output !== '') notes.add(`n/a: ${check} [${cell}]: ${output}`);
  }
  if (notes.size > 0) console.log(`\n${[...notes].join('\n')}`);
  console.log(`\n${failures.length === 0 ? 'all passed' : `${failures.length} failed`} in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const f of failures) console.log(`\n=== FAIL: ${f.check} [${f.cell}]\n${f.output.trimEnd()}`);
  if (failures.length > 0) process.exitCode = 1;
}

function log(message) {
  console.log(`[compat ${Math.round((Date.now() - started) / 1000)}s] ${message}`);
}

// --- processes -------------------------------------------------------------------------------

function run(file, argv, { cwd = ROOT, env, timeoutMs = RUN_TIMEOUT_MS } = {}) {
  return new Promise((resolvePromise, reject) => {
    execFile(file, argv, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? `killed after ${timeoutMs / 1000} s` : `exit code ${error.code}`;
        reject(new Error(`${basename(file)} ${argv.join(' ')} (in ${cwd}): ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      } else resolvePromise({ stdout, stderr });
    });
  });
}

/** The environment without the npm_* settings of the `npm run` that started this script. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS'));
}

function findNpmCli() {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  const found = candidates.find((c) => c !== undefined && c.endsWith('npm-cli.js') && existsSync(c));
  if (found === undefined) throw new Error('npm-cli.js not found; run through npm (npm run test:compat)');
  return found;
}

function atLeast(version, [major, minor]) {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

async function pool(items, size, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(size, queue.length) }, async () => {
      while (queue.length > 0) await fn(queue.shift());
    }),
  );
}
