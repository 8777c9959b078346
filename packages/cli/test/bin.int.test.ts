// End to end: the built bin/ragmeter.js run as a child process, as a user or CI would run it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Report } from '@ragmeter/sdk';
import { formatDuration, formatUsd } from '@ragmeter/sdk/format';
import { pipelineReport, versionOneReport } from './report-fixture.js';

const PACKAGE = join(__dirname, '..');
const BIN = join(PACKAGE, 'bin', 'ragmeter.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): ChildProcess & { output: Run; exited: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<Run>((resolve) =>
    child.on('close', (code) => {
      output.code = code;
      resolve(output);
    }),
  );
  return Object.assign(child, { output, exited });
}

function ragmeter(...args: string[]): Promise<Run> {
  return start(args).exited;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Cells of the output line whose first cells are `first` (e.g. type and metric). */
function cells(text: string, ...first: string[]): string[] {
  const line = text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((c) => first.every((word, i) => c[i] === word));
  if (line === undefined) throw new Error(`no line starting with ${first.join(' ')} in:\n${text}`);
  return line;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;
function file(name: string, content: string | Report): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

beforeAll(() => {
  // Builds the SDK first when its dist is stale, then the CLI (see scripts/build.mjs).
  execFileSync(process.execPath, [join(PACKAGE, 'scripts', 'build.mjs')], { stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'ragmeter-bin-'));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ragmeter', () => {
  it('prints usage for --help, listing every command', async () => {
    const run = await ragmeter('--help');
    expect(run.code).toBe(0);
    for (const command of ['report', 'watch', 'compare']) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { version: string };
    expect(await ragmeter('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([['frobnicate'], ['--frobnicate'], []])('rejects %j with usage on stderr and exit 2', async (...args) => {
    const run = await ragmeter(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: ragmeter <command>');
  });

  it.each(['report', 'watch', 'compare'])('prints help for %s', async (command) => {
    const run = await ragmeter(command, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: ragmeter ${command} `));
  });

  it('documents that the error-rate limit is in percentage points', async () => {
    expect((await ragmeter('compare', '--help')).stdout).toContain('percentage points');
  });
});

describe('ragmeter report', () => {
  it('prints a saved report as a table', async () => {
    const saved = pipelineReport({}, ['llm_inference p95 2.00s > 1.50s']);
    const run = await ragmeter('report', file('saved.json', saved));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const [type, op] of Object.entries(saved.operations)) {
      const row = cells(run.stdout, type);
      expect(row[1]).toBe(String(op.total));
      expect(row).toContain(formatDuration(op.duration.p95));
      expect(row).toContain(formatDuration(op.duration.p99));
    }
    expect(run.stdout).toMatch(/^health: warning$/m);
    expect(run.stdout).toContain('  - llm_inference p95 2.00s > 1.50s');
    // cost: llm_inference's total and per operation, '-' for a type without a model
    expect(cells(run.stdout, 'llm_inference').slice(-2)).toEqual([formatUsd(0.002 * 100), formatUsd(0.002)]);
    expect(cells(run.stdout, 'document_retrieval').slice(-2)).toEqual(['-', '-']);
    expect(run.stdout).toMatch(/^cost: \$0\.2000$/m);
  });

  it('prints a version-1 report (no cost)', async () => {
    const run = await ragmeter('report', file('v1.json', JSON.stringify(versionOneReport(pipelineReport()))));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(cells(run.stdout, 'llm_inference').slice(-2)).toEqual(['-', '-']);
    expect(run.stdout).not.toMatch(/^cost:/m);
  });

  it('rejects a file that is not a report with exit 2', async () => {
    const path = file('package.json', '{"name":"x"}');
    const run = await ragmeter('report', path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`report ${path}: not a ragmeter report`);
  });

  it('needs exactly one file', async () => {
    const run = await ragmeter('report');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expects one report file');
  });

  it('--prometheus: an unreachable Prometheus exits 2 with one line and no stack trace', async () => {
    const port = await freePort();
    const run = await ragmeter('report', '--prometheus', `http://127.0.0.1:${port}`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`ragmeter report: cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('--prometheus: a malformed URL exits 2 with one line', async () => {
    const run = await ragmeter('report', '--prometheus', 'http://exa mple:9090');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`ragmeter report: --prometheus 'http://exa mple:9090': not a valid URL\n`);
  });
});

describe('ragmeter compare', () => {
  it('exits 0 when nothing regressed', async () => {
    const baseline = file('base.json', pipelineReport());
    // Faster p95 and a slightly slower p99 (within 10 %).
    const current = file('ok.json', pipelineReport({ llm_inference: { p95: 1.8, p99: 2.7 } }));
    const run = await ragmeter('compare', baseline, current);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toContain('REGRESSION');
    expect(cells(run.stdout, 'llm_inference', 'p99')).toContain('+8.0%');
  });

  it('exits 1 on a p95 regression and shows it on the llm_inference p95 row', async () => {
    const baseline = file('base.json', pipelineReport());
    const current = file('slow.json', pipelineReport({ llm_inference: { p95: 2.6 } }));
    const run = await ragmeter('compare', baseline, current, '--max-regression', '10%');
    expect(run.code).toBe(1);
    const row = cells(run.stdout, 'llm_inference', 'p95');
    expect(row.slice(2)).toEqual([formatDuration(2), formatDuration(2.6), `+${formatDuration(0.6)}`, '+30.0%', 'REGRESSION']);
    expect(cells(run.stdout, 'embedding_generation', 'p95')).not.toContain('REGRESSION');

    // A looser limit lets the same change pass.
    expect((await ragmeter('compare', baseline, current, '--max-regression', '30.5%')).code).toBe(0);
  });

  it('exits 1 when the error rate rises by more than the limit in points', async () => {
    const baseline = file('base.json', pipelineReport({ reranking: { total: 100, failed: 1 } }));
    const current = file('errors.json', pipelineReport({ reranking: { total: 100, failed: 7 } }));
    expect((await ragmeter('compare', baseline, current, '--max-regression', '6%')).code).toBe(0);
    const run = await ragmeter('compare', baseline, current, '--max-regression', '5%');
    expect(run.code).toBe(1);
    expect(cells(run.stdout, 'reranking', 'errors')).toContain('REGRESSION');
  });

  it('judges a small sample only when --min-operations allows it, and refuses a bad minimum', async () => {
    const baseline = file('small.json', pipelineReport({ llm_inference: { total: 5 } }));
    const current = file('slow-small.json', pipelineReport({ llm_inference: { total: 5, p95: 2.6 } }));
    const run = await ragmeter('compare', baseline, current);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('not judged: llm_inference (5 operations in the baseline, under the minimum of 20)');
    expect((await ragmeter('compare', baseline, current, '--min-operations', '5')).code).toBe(1);
    const bad = await ragmeter('compare', baseline, current, '--min-operations', 'few');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--min-operations must be a whole number/);
  });

  it('exits 1 when the cost per operation of a type grows past the limit, naming it', async () => {
    const baseline = file('base.json', pipelineReport()); // llm_inference: $0.002 per operation
    const current = file('pricier.json', pipelineReport({ llm_inference: { costPerOp: 0.0024 } }));
    const run = await ragmeter('compare', baseline, current, '--max-regression', '10%');
    expect(run.code).toBe(1);
    expect(cells(run.stdout, 'llm_inference', 'cost/op')).toContain('REGRESSION');
    expect(run.stdout).toContain('llm_inference cost per operation +20.0%');
    expect((await ragmeter('compare', baseline, current, '--max-regression', '20%')).code).toBe(0);
  });

  it('reads a version-1 baseline (no cost) against a current report', async () => {
    const baseline = file('v1.json', JSON.stringify(versionOneReport(pipelineReport())));
    const current = file('v2.json', pipelineReport({ llm_inference: { costPerOp: 5 } }));
    const run = await ragmeter('compare', baseline, current);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toContain('cost/op');
  });

  it('lists types found in only one file without failing', async () => {
    const baseline = file('base.json', pipelineReport({ reranking: {} }));
    const current = file('new.json', pipelineReport({ pdf_loading: { p95: 60 } }));
    const run = await ragmeter('compare', baseline, current);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('only in baseline: reranking');
    expect(run.stdout).toContain('only in current: pdf_loading');
  });

  it('prints JSON with --json', async () => {
    const baseline = file('base.json', pipelineReport());
    const current = file('slow.json', pipelineReport({ llm_inference: { p99: 5 } }));
    const run = await ragmeter('compare', baseline, current, '--json');
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as { regressed: boolean; regressions: { operation: string; metric: string }[] };
    expect(json.regressed).toBe(true);
    expect(json.regressions.map((r) => `${r.operation} ${r.metric}`)).toEqual(['llm_inference p99']);
  });

  it('exits 2 on malformed JSON, naming the file', async () => {
    const good = file('base.json', pipelineReport());
    const broken = file('broken.json', '{"schema_version": 1, "operations": {');
    const run = await ragmeter('compare', good, broken);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`current ${broken}: not valid JSON`);
  });

  it('exits 2 on valid JSON that is not a report, naming the file', async () => {
    const good = file('base.json', pipelineReport());
    const other = file('other.json', JSON.stringify({ total: 3, items: [] }));
    const run = await ragmeter('compare', other, good);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`baseline ${other}: not a ragmeter report (no "schema_version" field)`);
  });

  it('exits 2 on a report with another schema_version', async () => {
    const good = file('base.json', pipelineReport());
    const future = file('v3.json', JSON.stringify({ ...pipelineReport(), schema_version: 3 }));
    const run = await ragmeter('compare', good, future);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`current ${future}: unsupported schema_version 3`);
  });

  it('exits 2 on a missing file, naming it', async () => {
    const good = file('base.json', pipelineReport());
    const missing = join(dir, 'nope.json');
    const run = await ragmeter('compare', good, missing);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`current ${missing}: cannot read file (no such file)`);
  });

  it.each(['10', '0.1', '-5%', 'ten%'])('exits 2 on --max-regression %s', async (limit) => {
    const good = file('base.json', pipelineReport());
    const run = await ragmeter('compare', good, good, `--max-regression=${limit}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--max-regression must be a percentage with a % sign`);
  });

  it('exits 2 on a wrong number of files or an unknown option', async () => {
    const good = file('base.json', pipelineReport());
    expect((await ragmeter('compare', good)).code).toBe(2);
    const run = await ragmeter('compare', good, good, '--max-regresion', '5%');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--max-regresion'");
  });
});

describe('ragmeter watch', () => {
  const served = pipelineReport({ llm_inference: { total: 100, failed: 12 } });
  const health = {
    status: 'warning',
    memory_mb: 80.5,
    total_operations: served.total_operations,
    issues: ['llm_inference error rate 12.0% > 10.0%'],
  };
  let server: Server;
  let url: string;
  let requests: string[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/report') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
      else if (req.url === '/health') res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    requests = [];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('--once prints one frame from a running service and exits 0', async () => {
    const run = await ragmeter('watch', url, '--once');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(requests.sort()).toEqual(['/health', '/report']);
    expect(run.stdout).toMatch(/^health: warning /m);
    expect(run.stdout).toContain('  - llm_inference error rate 12.0% > 10.0%');
    for (const [type, op] of Object.entries(served.operations)) {
      const row = cells(run.stdout, type);
      expect(row[1]).toBe(String(op.total));
      expect(row).toContain(formatDuration(op.duration.p95));
    }
    expect(cells(run.stdout, 'llm_inference')[4]).toBe('12.0');
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('--once exits 1 with a message when nothing listens', async () => {
    const port = await freePort();
    const run = await ragmeter('watch', `127.0.0.1:${port}`, '--once');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`service unreachable: http://127.0.0.1:${port}/report: connect ECONNREFUSED`);
  });

  it('refreshes until Ctrl-C, then exits 0', async () => {
    const child = start(['watch', url, '--interval', '0.1']);
    await until(() => child.output.stdout.split('ragmeter watch ').length > 3, 'three frames');
    child.kill('SIGINT');
    const run = await child.exited;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    // Not a terminal: frames are appended, without screen control codes.
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toContain('every 0.1s, Ctrl-C to quit');
  });

  it('keeps retrying an unreachable service until Ctrl-C', async () => {
    const port = await freePort();
    const child = start(['watch', `http://127.0.0.1:${port}`, '--interval', '0.1']);
    await until(() => child.output.stdout.split('service unreachable').length > 2, 'two failed attempts');
    child.kill('SIGINT');
    const run = await child.exited;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('retrying every 0.1s (Ctrl-C to quit)');
  });

  it('--prometheus keeps showing an unreachable Prometheus, and Ctrl-C ends a query that hangs', async () => {
    const port = await freePort();
    const down = start(['watch', '--prometheus', `http://127.0.0.1:${port}`, '--interval', '0.1']);
    await until(() => down.output.stdout.split('cannot reach Prometheus').length > 2, 'two failed attempts');
    down.kill('SIGINT');
    expect((await down.exited).code).toBe(0);
    expect(down.output.stdout).toContain(`service unreachable: cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED`);

    // A server that accepts queries and never answers: Ctrl-C must not wait for the 30 s query timeout.
    let received = 0;
    const hanging = createServer(() => void (received += 1));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const child = start(['watch', '--prometheus', `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`]);
      await until(() => received >= 20, 'the queries of one report');
      child.kill('SIGINT');
      const run = await child.exited;
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it.each([
    [['watch'], 'expects one service URL'],
    [['watch', 'ftp://x'], 'must be http or https'],
    [['watch', 'http://x', '--interval', '0'], '--interval must be a number of seconds'],
    [['watch', 'http://x', '--interval', 'soon'], '--interval must be a number of seconds'],
  ])('exits 2 on %j', async (args, message) => {
    const run = await ragmeter(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
