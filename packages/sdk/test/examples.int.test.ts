import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { find, parsePrometheusText } from './helpers/prometheus-text';

// The examples import '@ragmeter/sdk' by name, so they run against the built package.
const SDK_DIR = join(__dirname, '..');
const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

describe('the runnable examples', () => {
  const run = promisify(execFile);

  it('the README quick start runs and prints a report with its three operation types', async () => {
    const { stdout } = await run(process.execPath, [join(SDK_DIR, 'examples', 'quick-start.mjs')], { cwd: SDK_DIR });
    expect(stdout).toContain('Answer to "What is ragmeter?" from 2 documents');
    for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) expect(stdout).toMatch(new RegExp(`^${type}\\s+1\\s`, 'm'));
    expect(stdout).toMatch(/health: healthy/);
  });

  it('the CommonJS quick start runs through require() and prints the same report', async () => {
    const { stdout } = await run(process.execPath, [join(SDK_DIR, 'examples', 'quick-start.cjs')], {
      cwd: SDK_DIR,
      env: { ...process.env, RAGMETER_PROMETHEUS_PORT: '0' },
    });
    expect(stdout).toContain('Answer to "What is ragmeter?" from 2 documents');
    for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) expect(stdout).toMatch(new RegExp(`^${type}\\s+1\\s+0\\s`, 'm'));
  });

  it("joined into an application's NodeSDK, operations reach its span processor (nested), /metrics and the report", async () => {
    const { stdout } = await run(process.execPath, [join(SDK_DIR, 'examples', 'join-node-sdk.mjs')], { cwd: SDK_DIR });
    for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) {
      expect(stdout).toMatch(new RegExp(`^rag_operation_duration_seconds_count\\{rag_operation_type="${type}"[^}]*\\} 1$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^${type}\\s+1\\s+0\\s`, 'm'));
    }
    expect(stdout).toContain('span document_retrieval parent query_processing');
    expect(stdout).toContain('span llm_inference parent query_processing');
    expect(stdout).toContain('span query_processing parent -');
  });

  it('a small app is scraped correctly, and SIGTERM flushes and exits', async () => {
    const child = spawn(process.execPath, [join(SDK_DIR, 'examples', 'scrape-app.mjs')], { cwd: SDK_DIR, env: { ...process.env, RAGMETER_PROMETHEUS_PORT: '' } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /http:\/\/\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.on('exit', (code) => reject(new Error(`app exited early (${code})`)));
      });
      const exp = parsePrometheusText((await get(`${url}/metrics`)).body);
      expect(find(exp, 'rag_operation_duration_seconds_count', { rag_operation_type: 'document_retrieval' }).map((s) => s.value)).toEqual([20]);
      expect(find(exp, 'rag_operation_duration_seconds_count', { rag_operation_type: 'reranking', error_type: 'RangeError' }).map((s) => s.value)).toEqual([1]);
      expect(find(exp, 'rag_operation_tokens_sum', { rag_operation_type: 'llm_inference', gen_ai_token_type: 'output' }).map((s) => s.value)).toEqual([25]);
      expect(find(exp, 'process_memory_usage').length).toBe(1);
      const report = JSON.parse((await get(`${url}/report`)).body);
      expect(report.total_operations).toBe(22);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      child.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
