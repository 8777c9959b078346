import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { OtlpProtocol } from '../../src/config/types';
import { METRIC_OPERATION_DURATION } from '../../src/instruments';
import type { PerformanceMonitor } from '../../src/monitor';
import { startRagMeter } from '../../src/start';
import { OtlpGrpcReceiver } from './grpc-receiver';
import { loadOtlpHttpTransportWithRequire } from './jest-http-transport';
import { spyOnProcessErrors, type ProcessErrorSpy } from './process-errors';
import { OtlpHttpReceiver, unreachableUrl, type Behaviour, type Recording } from './receiver';

loadOtlpHttpTransportWithRequire();

/** Per-export timeout of every monitor here. */
const TIMEOUT_MS = 800;
/**
 * The workload yields to the event loop 20 times; had it waited for an export once per round,
 * a hanging collector would hold it for 20 × TIMEOUT_MS. It normally takes well under a second.
 */
const WORKLOAD_BOUND_MS = 10 * TIMEOUT_MS;
/** shutdown() gives up on a dead collector after about TIMEOUT_MS; this bound only catches "never". */
const SHUTDOWN_BOUND_MS = TIMEOUT_MS + 5000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits `promise`, failing if it takes more than `ms`. */
async function within(ms: number, what: string, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(condition: () => boolean, ms: number, what: string, refresh?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await refresh?.(), !condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await tick(20);
  }
}

/** OTel's diagnostics (where exporters and processors report failed exports), as text. */
function captureDiag(): string[] {
  const messages: string[] = [];
  const record = (message: string, ...args: unknown[]): void => void messages.push([message, ...args.map(String)].join(' '));
  diag.setLogger({ error: record, warn: record, info: record, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.INFO);
  return messages;
}

class RerankError extends Error {}

const WORKLOAD = { document_retrieval: 1000, llm_inference: 600, reranking: 400 };

/**
 * 2000 operations in 20 rounds, yielding to the event loop between rounds so that export
 * attempts (and their failures) interleave with the work. Per round: 50 sync retrievals, 30
 * async LLM calls of 10 + 3 tokens, 20 rerankings that throw.
 */
async function workload(monitor: PerformanceMonitor): Promise<void> {
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 50; i++) monitor.track('document_retrieval', () => i);
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      calls.push(
        monitor.track('llm_inference', async (op) => {
          await nextTurn();
          op.setTokens({ input: 10, output: 3 });
        }),
      );
    }
    for (let i = 0; i < 20; i++) {
      try {
        monitor.track('reranking', () => {
          throw new RerankError('reranker down');
        });
      } catch (error) {
        if (!(error instanceof RerankError)) throw error;
      }
    }
    await Promise.all(calls);
    await nextTurn();
  }
}

type Protocol = OtlpProtocol & ('http/protobuf' | 'grpc');
type Receiver = Recording & { readonly url: string; close(): Promise<void> };
const startReceiver = (protocol: Protocol, behaviour: Behaviour): Promise<Receiver> =>
  protocol === 'grpc' ? OtlpGrpcReceiver.start(behaviour) : OtlpHttpReceiver.start(behaviour);

interface Scenario {
  name: string;
  /** undefined: nothing listens on the endpoint. */
  behaviour: Behaviour | undefined;
  /** What the export failures look like in OTel's diagnostics; undefined: exports succeed. */
  failure: RegExp | undefined;
}

const SCENARIOS: Scenario[] = [
  { name: 'unreachable (connection refused)', behaviour: undefined, failure: /ECONNREFUSED/ },
  { name: 'hanging (never answers)', behaviour: { kind: 'hang' }, failure: /timed out|Timeout|DEADLINE_EXCEEDED/ },
  { name: 'failing (503 Service Unavailable)', behaviour: { kind: 'error', status: 503 }, failure: /retryable status|UNAVAILABLE/ },
  { name: 'failing (500 Internal Server Error)', behaviour: { kind: 'error', status: 500 }, failure: /Internal Server Error|INTERNAL/ },
  { name: `slow (answers after ${TIMEOUT_MS / 4} ms)`, behaviour: { kind: 'slow', delayMs: TIMEOUT_MS / 4 }, failure: undefined },
];

describe.each(['http/protobuf', 'grpc'] as Protocol[])('a broken collector, over %s', (protocol) => {
  let receiver: Receiver | undefined;
  let monitor: PerformanceMonitor | undefined;
  let errors: ProcessErrorSpy;
  let diagnostics: string[];

  let warnings: jest.SpyInstance;

  beforeEach(() => {
    errors = spyOnProcessErrors();
    diagnostics = captureDiag();
    warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await monitor?.shutdown();
    monitor = undefined;
    await receiver?.close();
    receiver = undefined;
    errors.stop();
    diag.disable();
    warnings.mockRestore();
  });

  it.each(SCENARIOS)('$name: the application keeps working, counts exactly and shuts down', async ({ behaviour, failure }) => {
    receiver = behaviour === undefined ? undefined : await startReceiver(protocol, behaviour);
    const m = (monitor = startRagMeter({
      serviceName: 'otlp-failure-test',
      prometheus: false,
      hostMetrics: false,
      otlp: { endpoint: receiver?.url ?? (await unreachableUrl()), protocol, intervalMillis: 500, timeoutMillis: TIMEOUT_MS },
    }));

    await within(WORKLOAD_BOUND_MS, 'the workload', workload(m));
    const report = await m.generateReport();
    expect(report.total_operations).toBe(2000);
    expect(report.operations.document_retrieval).toMatchObject({ total: 1000, successful: 1000, failed: 0 });
    expect(report.operations.llm_inference).toMatchObject({ total: 600, failed: 0, tokens: { total: 7800, input: 6000, output: 1800 } });
    expect(report.operations.reranking).toMatchObject({ total: 400, successful: 0, failed: 400 });
    // Nothing was dropped but, by the time of this report, perhaps failed exports (below).
    expect(report.dropped.total).toBe(report.dropped.by_reason.export_failed ?? 0);

    // Exports really were attempted while the application worked, and (but for "slow") failed.
    if (receiver !== undefined) {
      const r = receiver;
      await eventually(() => r.traceRequests.length > 0 && r.metricRequests.length > 0, 5000, 'export attempts');
      expect(r.errors()).toEqual([]);
    }
    if (failure !== undefined) {
      await eventually(() => failure.test(diagnostics.join('\n')), 5000, `a diagnostic matching ${failure}`);
      // Visible without a diag logger too: counted in the report, and warned about once.
      let failed = 0;
      await eventually(() => failed > 0, 5000, 'a failed export in the report', async () => {
        failed = (await m.generateReport()).dropped.by_reason.export_failed ?? 0;
      });
      expect(warnings.mock.calls.filter((c) => (c[1] as { code?: string }).code === 'RAGMETER_EXPORT_FAILED')).toHaveLength(1);
    }

    await within(SHUTDOWN_BOUND_MS, 'shutdown()', m.shutdown());
    monitor = undefined;
    await tick(50); // a rejection is reported on a later turn
    expect(errors.rejections).toEqual([]);
    expect(errors.exceptions).toEqual([]);

    if (failure === undefined) {
      expect(report.dropped.by_reason.export_failed).toBeUndefined();
      // A slow collector loses nothing: every span, and the final metric totals, arrived.
      expect(diagnostics.join('\n')).not.toMatch(/timed out|Timeout|failed/i);
      const names = receiver!.spans().map((s) => s.name);
      for (const [type, count] of Object.entries(WORKLOAD)) expect(names.filter((n) => n === type)).toHaveLength(count);
      const counts = receiver!.lastMetric(METRIC_OPERATION_DURATION)?.histogram?.dataPoints?.map((p) => Number(p.count));
      expect(counts?.reduce((a, b) => a + b, 0)).toBe(2000);
    }
  });

  it('bounds the span queue by maxQueueSize while the collector hangs', async () => {
    const maxQueueSize = 100;
    const tracked = 10_000;
    receiver = await startReceiver(protocol, { kind: 'hang' });
    const started = performance.now();
    const m = (monitor = startRagMeter({
      serviceName: 'otlp-failure-test',
      prometheus: false,
      hostMetrics: false,
      otlp: { endpoint: receiver.url, protocol, intervalMillis: 500, timeoutMillis: TIMEOUT_MS, maxQueueSize },
    }));
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < tracked / 10; i++) m.track('document_retrieval', () => i);
      await nextTurn();
    }
    expect(await m.getOperationCount('document_retrieval')).toBe(tracked);
    await within(SHUTDOWN_BOUND_MS, 'shutdown()', m.shutdown());
    monitor = undefined;
    const elapsedMs = performance.now() - started;

    // The receiver records every request, answered or not, so it saw every span that was ever
    // queued. The processor holds at most maxQueueSize spans plus the one batch in flight, and a
    // hung batch is given up after TIMEOUT_MS: at most one batch per timeout, and the queue
    // flushed by shutdown. Buffering every span would have sent thousands.
    const batches = receiver.traceRequests.map((r) => r.body?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.length ?? 0);
    const sent = batches.reduce((a, b) => a + b, 0);
    expect(Math.max(...batches)).toBeLessThanOrEqual(maxQueueSize);
    expect(sent).toBeGreaterThanOrEqual(maxQueueSize);
    expect(sent).toBeLessThanOrEqual(maxQueueSize * (2 + Math.ceil(elapsedMs / TIMEOUT_MS)));
    expect(receiver.spans()).toHaveLength(sent);
    expect(errors.rejections).toEqual([]);
    expect(errors.exceptions).toEqual([]);
  });
});

describe('the process error spy', () => {
  it('sees an unhandled rejection and an uncaught exception', async () => {
    const spy = spyOnProcessErrors({ exclusive: true });
    try {
      void Promise.reject(new Error('deliberate rejection'));
      setTimeout(() => {
        throw new Error('deliberate exception');
      }, 0);
      await tick(50);
    } finally {
      spy.stop();
    }
    expect(spy.rejections.map((e) => (e as Error).message)).toEqual(['deliberate rejection']);
    expect(spy.exceptions.map((e) => (e as Error).message)).toEqual(['deliberate exception']);
  });
});
