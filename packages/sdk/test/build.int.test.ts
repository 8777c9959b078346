import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { reportSchemaErrors } from './helpers/report-schema.js';

/**
 * The real build (scripts/build-package.mjs: CommonJS + an ES-module entry + declarations), run on a
 * copy of the package laid out like the repository, so that other tests reading the shared
 * dist/ are not disturbed while it is rebuilt. Plain Node child processes then load the built
 * package by name, through its package.json exports, exactly as an application would.
 */
const run = promisify(execFile);
const SDK = join(__dirname, '..');
const ROOT = join(SDK, '..', '..');

let work: string;
let pkg: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ragmeter-build-'));
  pkg = join(work, 'packages', 'sdk');
  mkdirSync(pkg, { recursive: true });
  for (const entry of ['package.json', 'tsconfig.build.json', 'src', 'scripts', 'schema']) {
    cpSync(join(SDK, entry), join(pkg, entry), { recursive: true });
  }
  cpSync(join(ROOT, 'tsconfig.base.json'), join(work, 'tsconfig.base.json'));
  cpSync(join(ROOT, 'scripts'), join(work, 'scripts'), { recursive: true });
  // node_modules: every installed package of the repository, except that @ragmeter/sdk is this copy
  const modules = join(work, 'node_modules');
  mkdirSync(join(modules, '@ragmeter'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== '@ragmeter') symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  symlinkSync(pkg, join(modules, '@ragmeter', 'sdk'));

  execFileSync(process.execPath, [join(work, 'scripts', 'build-package.mjs')], { cwd: pkg, stdio: 'pipe' });
}, 120_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Runs a Node program given as text in the temporary repository root; returns its JSON output. */
async function node(kind: 'commonjs' | 'module', program: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [`--input-type=${kind}`, '-e', program], { cwd: work, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const TRACK_AND_REPORT = `
  const monitor = sdk.getPerformanceMonitor();
  const rows = monitor.track('document_retrieval', { top_k: 3 }, () => [1, 2, 3]);
  await monitor.track(sdk.OperationType.LLM_INFERENCE, async (op) => { op.setUsage({ prompt_tokens: 10, completion_tokens: 2 }); });
  const report = await monitor.generateReport();
  await monitor.shutdown();
  console.log(JSON.stringify({ rows, version: sdk.VERSION, report }));
`;

describe('the built package', () => {
  it('has CommonJS, ES-module and declaration entries where package.json points', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      exports: { '.': { types: string; import: string; require: string } };
    };
    for (const target of Object.values(manifest.exports['.'])) expect(existsSync(join(pkg, target))).toBe(true);
    expect(manifest.exports['.'].types).toBe('./dist/types/index.d.ts');
    const types = readFileSync(join(pkg, 'dist', 'types', 'index.d.ts'), 'utf8');
    expect(types).toMatch(/PerformanceMonitor/);
    expect(types).toMatch(/OperationType/);
    expect(existsSync(join(pkg, 'dist', 'types', 'monitor.d.ts'))).toBe(true);
  });

  it('require("@ragmeter/sdk") in plain Node: track an operation and get a report', async () => {
    const out = await node('commonjs', `
      const sdk = require('@ragmeter/sdk');
      (async () => { ${TRACK_AND_REPORT} })();
    `);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
    expect(out.rows).toEqual([1, 2, 3]);
    expect(out.version).toBe(manifest.version);
    const report = out.report as { operations: Record<string, { total: number; tokens: { total: number } }> };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.operations.document_retrieval!.total).toBe(1);
    expect(report.operations.llm_inference!.tokens.total).toBe(12);
  });

  it('import("@ragmeter/sdk") in plain Node: track an operation and get a report', async () => {
    const out = await node('module', `
      const sdk = await import('@ragmeter/sdk');
      ${TRACK_AND_REPORT}
    `);
    const report = out.report as { total_operations: number };
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.total_operations).toBe(2);
  });

  it('the ES-module and CommonJS entries share one implementation and one global monitor', async () => {
    const out = await node('module', `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cjs = require('@ragmeter/sdk');
      const esm = await import('@ragmeter/sdk');
      const same = cjs.getPerformanceMonitor() === esm.getPerformanceMonitor();
      esm.getPerformanceMonitor().recordOperation({ type: 'reranking', durationSeconds: 0.5 });
      const counted = await cjs.getPerformanceMonitor().getOperationCount('reranking');
      await esm.getPerformanceMonitor().shutdown();
      console.log(JSON.stringify({
        same,
        sameClass: cjs.PerformanceMonitor === esm.PerformanceMonitor,
        counted,
        cjsPath: require.resolve('@ragmeter/sdk'),
        esmUrl: import.meta.resolve('@ragmeter/sdk'),
        cjsNames: Object.keys(cjs).filter((n) => n !== '__esModule').sort(),
        esmNames: Object.keys(esm).filter((n) => n !== 'default').sort(),
      }));
    `);
    expect(out.same).toBe(true);
    expect(out.sameClass).toBe(true);
    expect(out.counted).toBe(1);
    expect(out.cjsPath).toBe(join(pkg, 'dist', 'cjs', 'index.js'));
    expect(out.esmUrl).toMatch(/\/packages\/sdk\/dist\/esm\/index\.js$/);
    expect(out.esmNames).toEqual(out.cjsNames);
  });

  it('the declarations type-check a TypeScript consumer that imports the package by name', async () => {
    writeFileSync(
      join(work, 'consumer.ts'),
      `import { OperationType, PerformanceMonitor, type Report } from '@ragmeter/sdk';
const monitor = new PerformanceMonitor({ tracing: false });
const n: number = monitor.track(OperationType.RERANKING, (op) => { op.tokens = 1; return 1; });
export const report: Promise<Report> = monitor.generateReport();
export { n };
`,
    );
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['ES2022', 'ESNext.Disposable'], target: 'ES2022' }, files: ['consumer.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(run(process.execPath, [tsc, '-p', join(work, 'tsconfig.json')], { cwd: work, timeout: 60_000 })).resolves.toBeDefined();
  });
});
