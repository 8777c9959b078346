import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OtlpHttpReceiver, unreachableUrl } from './receiver';

// The other OTLP tests run inside jest, where the HTTP transport needs a shim
// (jest-http-transport.ts). Here the published CommonJS build runs in a plain Node process,
// unpatched, against the same receiver: the shim hides nothing.

const SDK_ENTRY = join(__dirname, '..', '..', 'dist', 'cjs', 'index.js');

const APP = `
const { startRagMeter } = require(process.env.SDK_ENTRY);
const rejections = [];
const exceptions = [];
process.on('unhandledRejection', (reason) => rejections.push(String(reason)));
process.on('uncaughtException', (error) => exceptions.push(String(error)));
(async () => {
  const monitor = startRagMeter({
    serviceName: 'node-process-test',
    prometheus: false,
    hostMetrics: false,
    otlp: { endpoint: process.env.ENDPOINT, intervalMillis: 500, timeoutMillis: 800 },
  });
  await monitor.track('query_processing', async () => {
    await monitor.track('document_retrieval', async () => undefined);
    await monitor.track('llm_inference', async (op) => op.setTokens({ input: 5, output: 2 }));
  });
  const report = await monitor.generateReport();
  await monitor.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.stdout.write(JSON.stringify({ total: report.total_operations, rejections, exceptions }));
})();
`;

interface AppResult {
  total: number;
  rejections: string[];
  exceptions: string[];
}

async function runApp(endpoint: string): Promise<AppResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, SDK_ENTRY, ENDPOINT: endpoint };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', APP], { env, timeout: 20_000 });
  return JSON.parse(stdout) as AppResult;
}

let receiver: OtlpHttpReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

it('has the built SDK to run (jest global setup builds it)', () => {
  expect(existsSync(SDK_ENTRY)).toBe(true);
});

it('exports nested spans over http/protobuf from a plain Node process', async () => {
  receiver = await OtlpHttpReceiver.start();
  const result = await runApp(receiver.url);
  expect(result).toEqual({ total: 3, rejections: [], exceptions: [] });

  expect(receiver.errors()).toEqual([]);
  expect(new Set(receiver.requests().map((r) => r.contentType))).toEqual(new Set(['application/x-protobuf']));
  const spans = receiver.spans();
  expect(spans.map((s) => s.name).sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing']);
  const root = spans.find((s) => s.name === 'query_processing')!;
  for (const child of spans.filter((s) => s !== root)) {
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.traceId).toBe(root.traceId);
  }
  expect(root.resource['service.name']).toBe('node-process-test');
  expect(receiver.lastMetric('rag.operation.duration')?.histogram?.dataPoints).toHaveLength(3);
});

it('runs and exits cleanly from a plain Node process when the collector is unreachable', async () => {
  const result = await runApp(await unreachableUrl());
  expect(result).toEqual({ total: 3, rejections: [], exceptions: [] });
});
