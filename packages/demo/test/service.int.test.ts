// The built demo as users run it: a child process, real PDFs parsed by pdfjs, real HTTP, the
// SDK's /metrics and /report endpoints, signals and exit codes. Needs @ragmeter/sdk's dist
// (built by jest's global setup); builds the demo itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OperationType, type Report } from '@ragmeter/sdk';
import { DEMO_DIR } from './helpers/corpus-text';
import { startFakeOpenAi } from './helpers/fake-openai';

jest.setTimeout(90_000);

const MAIN = join(DEMO_DIR, 'dist', 'main.js');

/** The environment without anything that would change the demo's behaviour. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(OPENAI_|RAGMETER_|OTEL_)/.test(key)) env[key] = value;
  }
  return { ...env, RAGMETER_HOST_METRICS: 'false', ...extra };
}

interface Service {
  child: ChildProcess;
  api: string;
  metrics: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `node dist/main.js args` and resolves once it printed its API and metrics URLs. */
function startService(args: string[], env = cleanEnv()): Promise<Service> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: DEMO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const api = /API: (http:\/\/[^/\s]+)\/query/.exec(out)?.[1];
      const metrics = /metrics: (http:\/\/[^/\s]+)\/metrics/.exec(out)?.[1];
      if (api && metrics) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ child, api, metrics, output: () => out, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`service exited with ${code} before starting:\n${out}`)));
  });
}

async function ask(api: string, question: string) {
  const response = await fetch(`${api}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { sources: { document: string; page: number }[] } };
}

/** Rows of the printed report table: operation type -> its columns. */
function reportRows(output: string): Map<string, string[]> {
  const table = output.slice(output.lastIndexOf('ragmeter report'));
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (/^[a-z][a-z0-9_]*$/.test(cells[0]!) && cells.length >= 10 && cells[0] !== 'operation') rows.set(cells[0]!, cells);
  }
  return rows;
}

const running: Service[] = [];

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(DEMO_DIR, 'tsconfig.build.json')]);
});

afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

describe('the built service (--no-load)', () => {
  it('answers from the real PDFs, validates requests, serves /healthz and /report, and exits 0 on SIGTERM with a report', async () => {
    const service = await startService(['--no-load', '--port', '0', '--metrics-port', '0']);
    running.push(service);
    expect(service.output()).toMatch(/corpus: 6 PDFs \(\d+ KB\), 18 pages, \d+ chunks, indexed in \d+ ms/);
    expect(service.output()).toContain('answers: extractive');

    const rollback = await ask(service.api, 'How do I roll back a bad deploy of the payments API?');
    expect(rollback.status).toBe(200);
    expect(rollback.body.mode).toBe('extractive');
    expect(rollback.body.sources[0]).toMatchObject({ document: 'payments-oncall-runbook.pdf', page: 3 });
    expect(rollback.body.answer).toContain('deployctl rollback payments-api');
    const lens = await ask(service.api, 'Who invented the Fresnel lens and where was it first installed?');
    expect(lens.body.sources[0]).toMatchObject({ document: 'lighthouse-history.pdf', page: 3 });

    const bad = await fetch(`${service.api}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"question": ""}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: '"question" is empty' });
    expect((await fetch(`${service.api}/nothing`)).status).toBe(404);
    expect(await (await fetch(`${service.api}/healthz`)).json()).toMatchObject({ status: 'ok', documents: 6, mode: 'extractive' });

    expect(service.output()).toContain(`live page: ${service.metrics}/ `);
    const page = await fetch(`${service.metrics}/`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);

    const report = (await (await fetch(`${service.metrics}/report`)).json()) as Report;
    expect(report.operations[OperationType.QUERY_PROCESSING]!.total).toBe(2);
    // where a query's time goes: its stages, and what is left
    const stages = report.breakdown![OperationType.QUERY_PROCESSING]!;
    expect(Object.keys(stages)).toEqual(expect.arrayContaining(['self', OperationType.DOCUMENT_RETRIEVAL, OperationType.LLM_INFERENCE]));
    expect(report.operations[OperationType.PDF_LOADING]!.total).toBe(6);
    const metrics = await (await fetch(`${service.metrics}/metrics`)).text();
    expect(metrics).toMatch(/rag_operation_duration_seconds_count\{[^}]*rag_operation_type="reranking"[^}]*\} 2/);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('stopping (SIGTERM)');
    expect(reportRows(service.output()).get(OperationType.QUERY_PROCESSING)?.[1]).toBe('2');
  });

  it('uses an OpenAI-compatible server when OPENAI_BASE_URL is set: tokens in the report are the usage it sent', async () => {
    const fake = await startFakeOpenAi({ pieces: ['Thirty ', 'days ', '[1].'], firstTokenDelayMs: 20 });
    try {
      const env = cleanEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'fake-model-2' });
      const service = await startService(['--no-load', '--port', '0', '--metrics-port', '0'], env);
      running.push(service);
      expect(service.output()).toContain(`answers: LLM fake-model-2 at ${fake.baseURL}`);
      for (const q of ['How long are application logs retained?', 'How long are encrypted backups kept?']) {
        const { status, body } = await ask(service.api, q);
        expect(status).toBe(200);
        expect(body).toMatchObject({ mode: 'llm', answer: 'Thirty days [1].' });
      }
      const llm = ((await (await fetch(`${service.metrics}/report`)).json()) as Report).operations[OperationType.LLM_INFERENCE]!;
      expect(fake.usages).toHaveLength(2);
      expect(llm.tokens.input).toBe(fake.usages[0]!.prompt_tokens + fake.usages[1]!.prompt_tokens);
      expect(llm.tokens.output).toBe(fake.usages[0]!.completion_tokens + fake.usages[1]!.completion_tokens);
      const metrics = await (await fetch(`${service.metrics}/metrics`)).text();
      expect(metrics).toMatch(/rag_operation_time_to_first_token_seconds_count\{[^}]*gen_ai_request_model="fake-model-2"[^}]*\} 2/);
      service.child.kill('SIGINT');
      expect(await service.exited).toBe(0);
    } finally {
      await fake.close();
    }
  });
});

describe('the real command', () => {
  it('`npm run start -- --duration 3 --rate 5` drives the workload, prints the report with all seven operation types and exits 0', async () => {
    const started = Date.now();
    const result = await promisify(execFile)(
      'npm',
      ['run', 'start', '-w', '@ragmeter/demo', '--', '--duration', '3', '--rate', '5', '--port', '0', '--metrics-port', '0'],
      { cwd: join(DEMO_DIR, '..', '..'), env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`exit ${error.code}:\n${error.stdout}\n${error.stderr}`);
    });
    const elapsed = (Date.now() - started) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(3);
    const out = result.stdout;
    expect(out).toContain('stopping (3s elapsed)');
    const rows = reportRows(out);
    expect([...rows.keys()].sort()).toEqual(Object.values(OperationType).sort());
    expect(rows.get(OperationType.PDF_LOADING)![1]).toBe('6');
    const queries = Number(rows.get(OperationType.QUERY_PROCESSING)![1]);
    expect(queries).toBeGreaterThanOrEqual(4); // 15 expected at 5/s for 3 s
    expect(queries).toBeLessThanOrEqual(40);
    const workload = /workload: (\d+) queries .*\[(.*)\]/.exec(out.slice(out.lastIndexOf('stopping')))!;
    expect(Number(workload[1])).toBe(queries);
  });

  it('prints usage for --help and exits 2 on a bad flag', async () => {
    const help = await promisify(execFile)(process.execPath, [MAIN, '--help'], { env: cleanEnv() });
    expect(help.stdout).toContain('Usage: npm run demo -- [options]');
    const bad = await promisify(execFile)(process.execPath, [MAIN, '--rate', 'fast'], { env: cleanEnv() }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('error: --rate must be a rate between 0 and 1000 per second, got "fast"');
  });
});
