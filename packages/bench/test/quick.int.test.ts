import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

// A smoke test of the benchmark suite: `--quick` builds, runs every benchmark and prints every
// section. Timings are never asserted here; the targets are judged from a full run's output.
const PACKAGE = join(__dirname, '..');
const SECTIONS = [
  'Overhead per tracked operation',
  'Overhead per tracked operation with OTLP export and /metrics on',
  'Scaling: track() and generateReport() as series grow',
  'Hot path: cost of each call in a tracked operation',
  'Throughput: async operations per second',
  'generateReport() time',
  'Memory: retained heap after N operations',
  'Percentile accuracy',
  'Scrape: GET /metrics',
  'Peers: ragmeter against the tools a user would pick instead',
  'wrapOpenAI: time added per OpenAI call',
  'wrapAnthropic: time added per Anthropic call',
  'Summary',
];

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(PACKAGE, 'dist', 'run.js'), '--quick'], {
      cwd: PACKAGE,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    // Builds the SDK first when its dist is stale, then the benchmarks (see scripts/build.mjs).
    execFileSync(process.execPath, [join(PACKAGE, 'scripts', 'build.mjs')], { stdio: 'pipe' });
    run = await runQuick();
  }, 420_000);

  it('exits 0', () => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it.each(SECTIONS)('prints the section "%s"', (title) => {
    expect(run.stdout).toContain(`## ${title} (--quick)`);
  });

  it('leaves the docs alone without --write', () => {
    expect(run.stdout).toContain('Docs not written (--quick)');
  });
});
