/**
 * What one tracked operation is made of: the cost of each OTel / Node call on track()'s path,
 * measured alone on the same setup as the overhead benchmark, and the budget of a synchronous
 * track() (memory tracking and tracing on) and of the naive operation without memory reads
 * built from them. The rest of each budget is the wrapper's own code.
 */
import {
  ROOT_CONTEXT,
  context,
  trace,
  type Attributes,
  type Context,
  type Histogram,
  type UpDownCounter,
} from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { INSTRUMENTS, PercentileReader } from '@ragmeter/sdk';
import { getHeapStatistics } from 'node:v8';
import { TYPE, createContenders } from './contenders.js';
import { formatNs, formatSpread, interleave, runBenchmark, spread, timeSync, type Spread } from './harness.js';

type Component =
  | 'performance.now()'
  | 'v8.getHeapStatistics()'
  | 'process.memoryUsage()'
  | 'Histogram.record, 1 attribute (percentile reader)'
  | 'UpDownCounter.add, 1 attribute (percentile reader)'
  | 'Histogram.record, 2 attributes (one periodic reader)'
  | 'Histogram.record, no attributes (percentile reader)'
  | 'tracer.startSpan + span.end (BatchSpanProcessor)'
  | 'trace.setSpan (new context)'
  | 'context.with (AsyncLocalStorage)'
  | 'span.setAttribute'
  | 'startActiveSpan + span.end (BatchSpanProcessor)'
  | 'track(), memory on, tracing on'
  | 'naive bare OTel, no memory reads';

const noopExporter = {
  export: (_spans: unknown, done: (r: { code: ExportResultCode }) => void) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => undefined,
};

/** ragmeter's instrumentation scope: its package name. */
const SCOPE = '@ragmeter/sdk';

runBenchmark('hot-path', 'Hot path: cost of each call in a tracked operation', async ({ quick, clock }) => {
  let counter = 0;
  const contenders = createContenders(() => ++counter, async () => ++counter); // registers the global context manager

  // The monitor's meter setup: one MeterProvider whose only reader is a PercentileReader.
  const meterProvider = new MeterProvider({ readers: [new PercentileReader()] });
  const meter = meterProvider.getMeter(SCOPE); // the percentile reader reads ragmeter's scope only
  const [durationSpec, memorySpec] = ['rag.operation.duration', 'rag.operation.memory.delta'].map((name) => INSTRUMENTS.find((i) => i.name === name)!);
  const duration: Histogram = meter.createHistogram(durationSpec!.name, {
    unit: durationSpec!.unit,
    advice: { explicitBucketBoundaries: [...durationSpec!.buckets!] },
  });
  const memory: UpDownCounter = meter.createUpDownCounter(memorySpec!.name, { unit: memorySpec!.unit });
  const attrs1: Attributes = Object.freeze({ 'rag.operation.type': TYPE });
  // The naive setup: a MeterProvider with one periodic reader, attributes made per call.
  const naiveProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 86_400_000,
        exportTimeoutMillis: 86_399_999,
      }),
    ],
  });
  const naiveHistogram = naiveProvider.getMeter('naive').createHistogram('naive.operation.duration', { unit: 's' });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
  const tracer = tracerProvider.getTracer(SCOPE);
  const globalTracer = trace.getTracer('naive');
  const liveSpan = tracer.startSpan('live');
  const spanContext: Context = trace.setSpan(ROOT_CONTEXT, liveSpan);
  const values = Float64Array.from({ length: 1024 }, (_, i) => 0.001 * 1.01 ** i);
  const next = () => values[counter++ & 1023]!;
  const noop = () => counter;

  const ops: Record<Component, () => unknown> = {
    'performance.now()': () => performance.now(),
    'v8.getHeapStatistics()': () => getHeapStatistics().used_heap_size,
    'process.memoryUsage()': () => process.memoryUsage().heapUsed,
    'Histogram.record, 1 attribute (percentile reader)': () => duration.record(next(), attrs1),
    'UpDownCounter.add, 1 attribute (percentile reader)': () => memory.add(next(), attrs1),
    'Histogram.record, 2 attributes (one periodic reader)': () =>
      naiveHistogram.record(next(), { 'rag.operation.type': TYPE, 'rag.operation.success': true }),
    'Histogram.record, no attributes (percentile reader)': () => duration.record(next()),
    'tracer.startSpan + span.end (BatchSpanProcessor)': () =>
      tracer.startSpan(TYPE, { attributes: attrs1 }, context.active()).end(),
    'trace.setSpan (new context)': () => trace.setSpan(ROOT_CONTEXT, liveSpan),
    'context.with (AsyncLocalStorage)': () => context.with(spanContext, noop),
    'span.setAttribute': () => liveSpan.setAttribute('rag.operation.memory_delta_bytes', counter++),
    'startActiveSpan + span.end (BatchSpanProcessor)': () => globalTracer.startActiveSpan(TYPE, (span) => span.end()),
    'track(), memory on, tracing on': contenders.get('ragmeter').sync,
    'naive bare OTel, no memory reads': contenders.get('naive-otel-no-memory').sync,
  };
  const spans = new Set<Component>([
    'tracer.startSpan + span.end (BatchSpanProcessor)',
    'startActiveSpan + span.end (BatchSpanProcessor)',
    'track(), memory on, tracing on',
    'naive bare OTel, no memory reads',
  ]);
  const perOp = await interleave(
    (Object.keys(ops) as Component[]).map((name) => ({
      name,
      // Cheap calls in long chunks (the clock reads stay negligible); spans in short ones so batches export.
      run: (n: number) => timeSync(n, ops[name], clock, spans.has(name) ? 128 : 4096),
    })),
    { rounds: quick ? 5 : 15, targetMs: quick ? 8 : 30, warmupMs: quick ? 50 : 400 },
  );
  const cost = new Map<Component, Spread>((Object.keys(ops) as Component[]).map((k) => [k, spread(perOp.get(k)!)]));
  const median = (k: Component) => cost.get(k)!.median;

  /** A budget: what a path calls, how often, and the measured whole. */
  const budget = (whole: Component, parts: [Component, number][]) => {
    const total = median(whole);
    const rows = parts.map(([k, times]) => {
      const ns = median(k) * times;
      return [`${times} × ${k}`, formatNs(ns), `${((100 * ns) / total).toFixed(0)} %`];
    });
    const explained = parts.reduce((sum, [k, times]) => sum + median(k) * times, 0);
    rows.push(['rest: the wrapper\'s own code, allocation, GC', formatNs(total - explained), `${((100 * (total - explained)) / total).toFixed(0)} %`]);
    rows.push([`= ${whole} (measured)`, formatNs(total), '100 %']);
    return rows;
  };
  const trackParts: [Component, number][] = [
    ['tracer.startSpan + span.end (BatchSpanProcessor)', 1],
    ['trace.setSpan (new context)', 1],
    ['context.with (AsyncLocalStorage)', 1],
    ['Histogram.record, 1 attribute (percentile reader)', 2],
    ['v8.getHeapStatistics()', 2],
    ['performance.now()', 2],
    ['span.setAttribute', 2],
  ];
  const naiveParts: [Component, number][] = [
    ['startActiveSpan + span.end (BatchSpanProcessor)', 1],
    ['Histogram.record, 2 attributes (one periodic reader)', 2],
    ['performance.now()', 2],
  ];
  await Promise.all([contenders.shutdown(), meterProvider.shutdown(), naiveProvider.shutdown(), tracerProvider.shutdown()]);
  return {
    tables: [
      {
        title: `Cost per call (${clock === 'cpu' ? 'CPU' : 'wall-clock'} time): median (p25–p75)`,
        columns: ['call', 'per call'],
        rows: (Object.keys(ops) as Component[]).map((k) => [k, formatSpread(cost.get(k)!, formatNs)]),
      },
      {
        title:
          'Budget of a synchronous track() with memory tracking and tracing: duration and tokens recorded, memory ' +
          'delta summed in the monitor (observed at collection) and set on the span',
        columns: ['part', 'time', 'share'],
        rows: budget('track(), memory on, tracing on', trackParts),
      },
      {
        title: 'Budget of the naive bare-OTel operation without memory reads (duration, tokens)',
        columns: ['part', 'time', 'share'],
        rows: budget('naive bare OTel, no memory reads', naiveParts),
      },
    ],
    checks: [],
    notes: [
      'Each call is measured alone in a loop, so costs that depend on surrounding work (GC pressure, cache misses) ' +
        'land in "rest".',
      'UpDownCounter.add is listed for what a synchronous memory-delta record would cost; ragmeter sums the deltas ' +
        'itself and reports them through an observable up-down counter at collection time.',
      'OTel sdk-metrics hashes the attributes on every record (sort keys + JSON.stringify), whatever the object: the ' +
        'difference between the no-attribute and 1-attribute records.',
    ],
    data: Object.fromEntries(cost),
  };
});
