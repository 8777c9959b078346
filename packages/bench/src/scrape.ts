/**
 * Prometheus scrape: GET /metrics latency and response size from the server startRagMeter()
 * starts, at 84 and at 1000 rag.operation.* series, against prom-client serving the same rag.operation.* series
 * (same names, labels and buckets) from a plain http server. Interleaved round by round;
 * ratios per round.
 */
import {
  INSTRUMENTS,
  OperationType,
  startRagMeter,
  type PerformanceMonitor,
  type RecordedOperation,
} from '@ragmeter/sdk';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, Histogram, Registry } from 'prom-client';
import {
  formatMs,
  formatRatio,
  formatSpread,
  interleave,
  lognormal,
  now,
  ratios,
  runBenchmark,
  seededRandom,
  spread,
  type Spread,
  type Table,
} from './harness.js';

const MODELS = ['gpt-4o-mini', 'gpt-4o'];
const bucketsOf = (name: string): number[] => [...INSTRUMENTS.find((i) => i.name === name)!.buckets!];
const BUILT_IN = Object.values(OperationType);

/** The same rag.operation.* series in prom-client: what an application would expose without OTel. */
class PromClientTwin {
  readonly registry = new Registry();
  private readonly duration = new Histogram({
    name: 'rag_operation_duration_seconds',
    help: 'Duration of RAG pipeline operations',
    labelNames: ['rag_operation_type', 'gen_ai_request_model', 'error_type'],
    buckets: bucketsOf('rag.operation.duration'),
    registers: [this.registry],
  });
  private readonly tokens = new Histogram({
    name: 'rag_operation_tokens',
    help: 'Tokens per operation',
    labelNames: ['rag_operation_type', 'gen_ai_request_model', 'gen_ai_token_type'],
    buckets: bucketsOf('rag.operation.tokens'),
    registers: [this.registry],
  });
  private readonly memory = new Gauge({
    name: 'rag_operation_memory_delta_bytes',
    help: 'Memory change across operations',
    labelNames: ['rag_operation_type', 'gen_ai_request_model', 'error_type'],
    registers: [this.registry],
  });

  record(op: RecordedOperation): void {
    const model = op.attributes?.['gen_ai.request.model'] as string | undefined;
    const base = model === undefined ? { rag_operation_type: op.type } : { rag_operation_type: op.type, gen_ai_request_model: model };
    const labels = op.success === false ? { ...base, error_type: op.errorType ?? 'Error' } : base;
    this.duration.observe(labels, op.durationSeconds);
    this.memory.inc(labels, (op.memoryDeltaMb ?? 0) * 1024 * 1024);
    if (op.inputTokens !== undefined) this.tokens.observe({ ...base, gen_ai_token_type: 'input' }, op.inputTokens);
    if (op.outputTokens !== undefined) this.tokens.observe({ ...base, gen_ai_token_type: 'output' }, op.outputTokens);
  }
}

/** Operations touching every series of `types` × `models` (success and, with models, failure), `times` times over. */
function operations(types: readonly string[], models: readonly string[] | undefined, times: number): RecordedOperation[] {
  const duration = lognormal(seededRandom(types.length), 0.05, 1);
  const ops: RecordedOperation[] = [];
  for (let t = 0; t < times; t++) {
    for (const type of types) {
      for (const model of models ?? [undefined]) {
        for (const success of models === undefined ? [true] : [true, false]) {
          ops.push({
            type,
            durationSeconds: duration(),
            success,
            errorType: success ? undefined : 'TimeoutError',
            inputTokens: 100 + t,
            outputTokens: 10 + t,
            memoryDeltaMb: ((t % 5) - 2) / 64,
            attributes: model === undefined ? undefined : { 'gen_ai.request.model': model },
          });
        }
      }
    }
  }
  return ops;
}

/** rag.operation.* series in a Prometheus exposition: one per histogram label set, one per other sample. */
function countSeries(text: string): { series: number; samples: number } {
  const histograms = new Set<string>();
  let series = 0;
  let samples = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (type === 'histogram') histograms.add(name!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    samples++;
    const name = line.slice(0, line.search(/[{ ]/));
    // the families the prom-client twin serves too (the cost counters are ragmeter's own)
    if (!/^rag_operation_(duration_seconds|tokens|memory_delta_bytes)(_|$)/.test(name)) continue;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    if (histograms.has(family) ? name.endsWith('_count') : true) series++;
  }
  return { series, samples };
}

function get(url: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${url}: ${res.statusCode}`))));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/**
 * The longest the event loop was blocked while `n` scrapes ran one after another, ms: what
 * every other request of the host waits at worst during a scrape (server and client share
 * this process, so the client's own parsing is included for both servers alike).
 */
async function longestStall(url: string, agent: Agent, n: number): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  for (let i = 0; i < n; i++) await get(url, agent);
  delay.disable();
  return delay.max / 1e6;
}

interface Phase {
  series: number;
  ragmeter: { ms: Spread; bytes: number; samples: number; seriesCounted: number; stallMs: number };
  promClient: { ms: Spread; bytes: number; samples: number; seriesCounted: number; stallMs: number };
  ratio: Spread;
  /** The ratio per exposed sample line (ragmeter's lines / prom-client's lines taken out). */
  perLineRatio: number;
}

runBenchmark('scrape', 'Scrape: GET /metrics', async ({ quick }) => {
  const monitor: PerformanceMonitor = startRagMeter({
    prometheus: { port: 0, host: '127.0.0.1' },
    otlp: false,
    hostMetrics: false,
    tracing: false,
    maxCustomTypes: 1000,
  });
  const ragmeterUrl = `${await monitor.serverUrl()}/metrics`;
  const twin = new PromClientTwin();
  const promServer = createServer((_req, res) => {
    twin.registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': twin.registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => promServer.listen(0, '127.0.0.1', resolve));
  const promUrl = `http://127.0.0.1:${(promServer.address() as AddressInfo).port}/metrics`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const rounds = { rounds: quick ? 5 : 20, targetMs: quick ? 20 : 80, warmupMs: quick ? 60 : 400 };

  const record = (ops: RecordedOperation[]) => {
    for (const op of ops) {
      monitor.recordOperation(op);
      twin.record(op);
    }
  };
  // Phase 1: 7 built-in types × 2 models × (duration ok/failed, memory ok/failed, tokens input/output) = 84.
  // Phase 2: plus 229 custom types × (duration, memory, tokens input/output) = 1000.
  const phases = [
    { series: 84, ops: operations(BUILT_IN, MODELS, 20) },
    { series: 1000, ops: operations(Array.from({ length: 229 }, (_, k) => `custom_stage_${k}`), undefined, 20) },
  ];
  const results: Phase[] = [];
  for (const phase of phases) {
    record(phase.ops);
    const timed = (url: string) => async (n: number) => {
      const t0 = now();
      for (let i = 0; i < n; i++) await get(url, agent);
      return now() - t0;
    };
    const perGet = await interleave(
      [
        { name: 'ragmeter', run: timed(ragmeterUrl) },
        { name: 'prom-client', run: timed(promUrl) },
      ],
      rounds,
    );
    const stallRounds = quick ? 3 : 10;
    const oursStall = await longestStall(ragmeterUrl, agent, stallRounds);
    const theirsStall = await longestStall(promUrl, agent, stallRounds);
    const ours = await get(ragmeterUrl, agent);
    const theirs = await get(promUrl, agent);
    const oursCount = countSeries(ours);
    const theirsCount = countSeries(theirs);
    if (oursCount.series !== phase.series) {
      throw new Error(`expected ${phase.series} rag.operation.* series on /metrics, found ${oursCount.series}`);
    }
    const ratio = ratios(perGet.get('ragmeter')!, perGet.get('prom-client')!);
    results.push({
      series: phase.series,
      ragmeter: { ms: spread(perGet.get('ragmeter')!.map((ns) => ns / 1e6)), bytes: Buffer.byteLength(ours), samples: oursCount.samples, seriesCounted: oursCount.series, stallMs: oursStall },
      promClient: { ms: spread(perGet.get('prom-client')!.map((ns) => ns / 1e6)), bytes: Buffer.byteLength(theirs), samples: theirsCount.samples, seriesCounted: theirsCount.series, stallMs: theirsStall },
      ratio,
      perLineRatio: ratio.median / (oursCount.samples / theirsCount.samples),
    });
  }
  agent.destroy();
  promServer.close();
  await monitor.shutdown();

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const tables: Table[] = [
    {
      title: `GET /metrics over a keep-alive connection: median (p25–p75) of ${rounds.rounds} rounds`,
      columns: ['rag.operation.* series', 'server', 'latency', 'size', 'sample lines', 'longest event-loop stall', 'ratio to prom-client (per round)', 'per sample line'],
      rows: results.flatMap((r) => [
        [String(r.series), 'ragmeter (startRagMeter)', formatSpread(r.ragmeter.ms, formatMs), kb(r.ragmeter.bytes), String(r.ragmeter.samples), formatMs(r.ragmeter.stallMs), formatSpread(r.ratio, formatRatio), formatRatio(r.perLineRatio)],
        ['', 'prom-client, same rag.operation.* series', formatSpread(r.promClient.ms, formatMs), kb(r.promClient.bytes), String(r.promClient.samples), formatMs(r.promClient.stallMs), '', ''],
      ]),
    },
  ];
  return {
    tables,
    checks: [],
    notes: [
      'startRagMeter({ prometheus: { port: 0, host: "127.0.0.1" }, otlp: false, hostMetrics: false, tracing: false }); ' +
        'ragmeter also serves its gen_ai.* client metrics, the rag.operation.cost/priced counters of the priced models, rag.health.status and target_info, which prom-client does not.',
      'Series: one per histogram label set or per counter/gauge label set, rag.operation.* only; sample lines count every line ' +
        '(each histogram series has 17–19 bucket lines + sum + count). "Per sample line" divides the latency ratio by the ratio of sample lines.',
      'Longest event-loop stall: the maximum of monitorEventLoopDelay (1 ms resolution) over ' + (quick ? 3 : 10) + ' scrapes in a row; ' +
        'ragmeter serialises in slices that yield every 5 ms, prom-client in one run.',
    ],
    data: { phases: results },
  };
});
