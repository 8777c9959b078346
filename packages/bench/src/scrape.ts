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
import { fork } from 'node:child_process';
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

const CLIENT_FLAG = '--scrape-client';

/** The scraper: a process of its own, so that its reading and parsing is not the servers' time. */
function runClient(): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  process.on('message', (m: { url: string; n: number; body?: boolean }) => {
    void (async () => {
      const t0 = now();
      let text = '';
      for (let i = 0; i < m.n; i++) text = await get(m.url, agent);
      process.send!({ ns: now() - t0, body: m.body === true ? text : undefined });
    })().catch((error: unknown) => process.send!({ error: String(error) }));
  });
  process.on('disconnect', () => process.exit(0));
}

interface Client {
  /** `n` GETs of `url` one after another; the elapsed wall-clock time (ns) and, if asked, the last body. */
  scrape(url: string, n: number, body?: boolean): Promise<{ ns: number; body?: string }>;
  close(): void;
}

function startClient(): Client {
  const child = fork(process.argv[1]!, [CLIENT_FLAG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    scrape: (url, n, body) =>
      new Promise((resolve, reject) => {
        child.once('message', (m: { ns: number; body?: string; error?: string }) => (m.error === undefined ? resolve(m) : reject(new Error(m.error))));
        child.send({ url, n, body });
      }),
    close: () => child.disconnect(),
  };
}

/**
 * The longest the servers' event loop was blocked while `n` scrapes ran one after another,
 * ms: what every other request of the host waits at worst during a scrape. The scraper is
 * another process, so this is the server's work alone (collection, serialisation, writing).
 */
async function longestStall(client: Client, url: string, n: number): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await client.scrape(url, n);
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

const body = async ({ quick }: { quick: boolean }) => {
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
  const client = startClient();
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
    const timed = (url: string) => async (n: number) => (await client.scrape(url, n)).ns;
    const perGet = await interleave(
      [
        { name: 'ragmeter', run: timed(ragmeterUrl) },
        { name: 'prom-client', run: timed(promUrl) },
      ],
      rounds,
    );
    const stallRounds = quick ? 3 : 10;
    const oursStall = await longestStall(client, ragmeterUrl, stallRounds);
    const theirsStall = await longestStall(client, promUrl, stallRounds);
    const ours = (await client.scrape(ragmeterUrl, 1, true)).body!;
    const theirs = (await client.scrape(promUrl, 1, true)).body!;
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
  client.close();
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
    checks: results
      .filter((r) => r.series === 1000)
      .flatMap((r) => [
        {
          target: '/metrics at 1000 series: time per exposed sample line <= 1.5x prom-client\'s',
          measured: formatRatio(r.perLineRatio),
          met: quick ? null : r.perLineRatio <= 1.5,
        },
        {
          target: '/metrics at 1000 series: longest event-loop stall of the serving process <= 20 ms',
          measured: `${formatMs(r.ragmeter.stallMs)} (prom-client ${formatMs(r.promClient.stallMs)})`,
          met: quick ? null : r.ragmeter.stallMs <= 20,
        },
      ]),
    notes: [
      'startRagMeter({ prometheus: { port: 0, host: "127.0.0.1" }, otlp: false, hostMetrics: false, tracing: false }); ' +
        'ragmeter also serves its gen_ai.* client metrics, the rag.operation.cost/priced counters of the priced models, rag.health.status and target_info, which prom-client does not.',
      'Series: one per histogram label set or per counter/gauge label set, rag.operation.* only; sample lines count every line ' +
        '(each histogram series has 17–19 bucket lines + sum + count). "Per sample line" divides the latency ratio by the ratio of sample lines.',
      'Latency is timed by the scraper, a separate process on loopback (keep-alive connection), and includes its reading of the body. ' +
        'Longest event-loop stall: the maximum of monitorEventLoopDelay (1 ms resolution) in the serving process over ' + (quick ? 3 : 10) +
        ' scrapes in a row — the scraper\'s parsing is not in it. ragmeter serialises in slices that yield every 5 ms, in pieces of 16 ' +
        'data points (never one exposition-sized string or buffer: at 2 MB, allocating and filling one took longer than a slice here); ' +
        'prom-client builds its text in one run.',
    ],
    data: { phases: results },
  };
};

if (process.argv.includes(CLIENT_FLAG)) runClient();
else runBenchmark('scrape', 'Scrape: GET /metrics', body);
