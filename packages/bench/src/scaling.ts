/**
 * Scaling with the number of series: track() cost and generateReport() time when operations
 * carry a metric attribute (`metricAttributes: ['tenant']`) with more and more values — 7, 84,
 * 1000 and 2000 rag.operation.duration series (the default cardinality limit, 2000 per
 * instrument), and past it (3500 label sets asked for). Each size runs in a process of its own
 * (a heap holding every size at once would slow them all), where ragmeter in the default local
 * set-up (percentile reader + Prometheus reader, tracing to a no-op exporter) is interleaved
 * round by round with the naive bare-OTel operation on a Prometheus reader, recording the
 * same tenant attribute: how much of the growth is OpenTelemetry's own. Operations cycle
 * through every (type, tenant) pair, so each record lands on another series, as in a service
 * with many tenants.
 */
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { OperationType, PerformanceMonitor, type Operation } from '@ragmeter/sdk';
import { fork } from 'node:child_process';
import { noopExporter } from './contenders.js';
import {
  formatMs,
  formatNs,
  formatRatio,
  formatSpread,
  interleave,
  now,
  runBenchmark,
  spread,
  timeSync,
  type Spread,
  type Table,
} from './harness.js';

const TYPES = Object.values(OperationType);
/** Tenants per case: label sets = 7 types × tenants. */
const CASES = [
  { name: '7', tenants: 1 },
  { name: '84', tenants: 12 },
  { name: '1000', tenants: 143 },
  { name: '2000', tenants: 286 },
  { name: '3500 (past the limit)', tenants: 500 },
];

interface Row {
  name: string;
  labelSets: number;
  /** rag_operation_duration_seconds series on /metrics. */
  exposed: number;
  perOpNs: Spread;
  naivePerOpNs: Spread;
  vsNaive: Spread;
  reportMs: Spread;
  /** Operations counted without their tenant (cardinality_limit), per 1000 operations after warm-up. */
  droppedPerThousand: number;
}

const CASE_FLAG = '--scaling-case';

/** The naive operation without memory reads (span, duration and tokens with type, success and tenant) on a Prometheus reader. */
function naive(tracer: ReturnType<NodeTracerProvider['getTracer']>, provider: MeterProvider) {
  const meter = provider.getMeter('naive');
  const duration = meter.createHistogram('naive.operation.duration', { unit: 's' });
  const tokens = meter.createHistogram('naive.operation.tokens', { unit: '{token}' });
  return (type: string, tenant: string, fn: () => number): number =>
    tracer.startActiveSpan(type, (span) => {
      try {
        const t0 = performance.now();
        const result = fn();
        const attributes = { 'rag.operation.type': type, 'rag.operation.success': true, tenant };
        duration.record((performance.now() - t0) / 1000, attributes);
        tokens.record(42, attributes);
        return result;
      } finally {
        span.end();
      }
    });
}

/** One size, in this process: ragmeter and naive interleaved, then report times. */
async function measureCase(k: number, quick: boolean, clock: 'cpu' | 'wall'): Promise<Row> {
  const c = CASES[k]!;
  const global = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  global.register();
  let counter = 0;
  const monitor = new PerformanceMonitor({
    metricAttributes: ['tenant'],
    prometheus: { port: 0, host: '127.0.0.1' },
    spanProcessors: [new BatchSpanProcessor(noopExporter())],
  });
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const hand = naive(global.getTracer('naive'), meterProvider);
  const pairs: { type: string; attributes: { tenant: string } }[] = [];
  for (let t = 0; t < c.tenants; t++) for (const type of TYPES) pairs.push({ type, attributes: { tenant: `tenant-${t}` } });
  const fn = (op: Operation) => {
    op.tokens = 42;
    return ++counter;
  };
  const work = () => ++counter;
  let next = 0;
  const ours = () => {
    const pair = pairs[next]!;
    next = next + 1 === pairs.length ? 0 : next + 1;
    return monitor.track(pair.type, pair.attributes, fn);
  };
  let nextNaive = 0;
  const theirs = () => {
    const pair = pairs[nextNaive]!;
    nextNaive = nextNaive + 1 === pairs.length ? 0 : nextNaive + 1;
    return hand(pair.type, pair.attributes.tenant, work);
  };
  // Every series exists before timing: steady state, not creation.
  for (let i = 0; i < pairs.length; i++) {
    ours();
    theirs();
  }
  const dropsBefore = (await monitor.generateReport()).dropped.by_reason.cardinality_limit ?? 0;
  const options = { rounds: quick ? 5 : 15, targetMs: quick ? 10 : 40, warmupMs: quick ? 100 : 800 };
  const perOp = await interleave(
    [
      { name: 'ragmeter', run: (n: number) => timeSync(n, ours, clock) },
      { name: 'naive', run: (n: number) => timeSync(n, theirs, clock) },
    ],
    options,
  );
  const reportMs: number[] = [];
  let total = 0;
  for (let r = 0; r < (quick ? 5 : 15); r++) {
    for (let i = 0; i < pairs.length; i++) ours(); // fresh data on every series before each report
    const t0 = now();
    const report = await monitor.generateReport();
    reportMs.push((now() - t0) / 1e6);
    total = report.total_operations;
  }
  const dropped = ((await monitor.generateReport()).dropped.by_reason.cardinality_limit ?? 0) - dropsBefore;
  const text = await (await fetch(`${await monitor.serverUrl()}/metrics`)).text();
  await Promise.all([monitor.shutdown(), meterProvider.shutdown(), global.shutdown()]);
  const ragmeter = perOp.get('ragmeter')!;
  const hand2 = perOp.get('naive')!;
  return {
    name: c.name,
    labelSets: pairs.length,
    exposed: text.split('\n').filter((l) => l.startsWith('rag_operation_duration_seconds_count{')).length,
    perOpNs: spread(ragmeter),
    naivePerOpNs: spread(hand2),
    vsNaive: spread(ragmeter.map((x, i) => x / hand2[i]!)),
    reportMs: spread(reportMs),
    droppedPerThousand: (1000 * dropped) / Math.max(1, total - pairs.length),
  };
}

function inChild(k: number): Promise<Row> {
  return new Promise((resolve, reject) => {
    let row: Row | undefined;
    const child = fork(process.argv[1]!, [...process.argv.slice(2), CASE_FLAG, String(k)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('message', (m: { row: Row }) => (row = m.row));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && row !== undefined ? resolve(row) : reject(new Error(`scaling case ${k} failed (exit code ${code})`))));
  });
}

const at = process.argv.indexOf(CASE_FLAG);
if (at >= 0) {
  const quick = process.argv.includes('--quick');
  const clock = process.argv.includes('wall') ? 'wall' : 'cpu';
  measureCase(Number(process.argv[at + 1]), quick, clock)
    .then((row) => process.send!({ row }, () => process.exit(0)))
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
} else {
  runBenchmark('scaling', 'Scaling: track() and generateReport() as series grow', async ({ clock }) => {
    const rows: Row[] = [];
    for (let k = 0; k < CASES.length; k++) rows.push(await inChild(k));
    const rounds = rows[0]!.perOpNs.rounds;
    const table: Table = {
      title:
        `Synchronous operation with a tenant attribute, ${clock === 'cpu' ? 'CPU' : 'wall-clock'} time, each size in a process of its own; ` +
        `generateReport() wall-clock time after every series got a new operation: median (p25–p75) of ${rounds} rounds`,
      columns: [
        'label sets asked for',
        'duration series on /metrics',
        'ragmeter track()',
        'naive bare OTel, no memory reads',
        'ratio (per round)',
        'generateReport()',
        'operations without their tenant, per 1000',
      ],
      rows: rows.map((r) => [
        `${r.labelSets}${r.name.includes('past') ? ' (past the limit)' : ''}`,
        String(r.exposed),
        formatSpread(r.perOpNs, formatNs),
        formatSpread(r.naivePerOpNs, formatNs),
        formatSpread(r.vsNaive, formatRatio),
        formatSpread(r.reportMs, formatMs),
        r.droppedPerThousand.toFixed(0),
      ]),
    };
    return {
      tables: [table],
      checks: [],
      notes: [
        'ragmeter: new PerformanceMonitor({ metricAttributes: [\'tenant\'], prometheus: { port: 0 } }) — its percentile reader and the Prometheus ' +
          'reader, so OTel hashes each record\'s attributes twice where the naive operation\'s single reader hashes them once — memory tracking on, tracing on, default ' +
          'cardinalityLimit (2000 series per instrument, the operation types\' base series included); each operation is ' +
          'monitor.track(type, { tenant }, fn) with the next (type, tenant) pair in turn. Naive: startActiveSpan, duration and token records ' +
          'with type, success and tenant on a MeterProvider with a Prometheus reader (no limit of its own beyond OTel\'s 2000).',
        'Past the limit, an operation whose label set is new is still recorded under its type, without the tenant, and counted in the report\'s ' +
          'dropped.by_reason.cardinality_limit; the series already made keep their labels. /metrics and the report stay bounded.',
        'Both columns grow with the series for the same reasons: OTel keeps a storage per series and reader, so every record touches ' +
          'memory far from the last one, and the heap the scavenger walks grows with them.',
      ],
      data: { clock, rows },
    };
  });
}
