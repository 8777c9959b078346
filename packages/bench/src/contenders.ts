/**
 * The tracked operations the overhead and throughput benchmarks compare, each wrapping the
 * same user function:
 *
 * - ragmeter: `monitor.track(type, fn)` on a standalone PerformanceMonitor, in four
 *   configurations (memory tracking on/off × tracing on/off), plus the reader set-up
 *   startRagMeter() makes by default (the percentile reader and the Prometheus reader behind
 *   /metrics: OTel hashes a record's attributes once per reader). The callback sets a token count,
 *   so each operation records duration, tokens and memory delta, like the naive one.
 * - naive bare OTel: what an application would write by hand — startActiveSpan, two clock reads,
 *   process.memoryUsage() before and after, three records (duration, tokens, memory delta) with
 *   two attributes, span.end(); and the same without the memory reads (and their record).
 * - prom-client: Histogram startTimer() / end(labels).
 * - bare: the function alone, the floor.
 *
 * Fair costs: one NodeTracerProvider with the AsyncLocalStorage context manager registered
 * globally (ragmeter finds and uses that same context manager, as in an application with an OTel
 * SDK); every tracer gets a BatchSpanProcessor with a no-op exporter; every MeterProvider has
 * exactly one reader (ragmeter: its percentile reader; naive: a periodic reader that never
 * exports during the run).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OperationType, PerformanceMonitor, createPrometheusReader, type Operation } from '@ragmeter/sdk';
import { Histogram, Registry } from 'prom-client';
import { naiveOperation } from './naive.js';

export const TYPE = OperationType.DOCUMENT_RETRIEVAL;
const TOKENS = 42;
const DAY_MS = 86_400_000;

export type ContenderKey =
  | 'bare'
  | 'ragmeter'
  | 'ragmeter-no-memory'
  | 'ragmeter-metrics-only'
  | 'ragmeter-metrics-only-no-memory'
  | 'ragmeter-with-prometheus'
  | 'naive-otel'
  | 'naive-otel-no-memory'
  | 'prom-client';

export const CONTENDER_LABELS: Record<ContenderKey, string> = {
  bare: 'bare function call (floor)',
  ragmeter: 'ragmeter track(), memory on, tracing on',
  'ragmeter-no-memory': 'ragmeter track(), memory off, tracing on',
  'ragmeter-metrics-only': 'ragmeter track(), memory on, metrics only',
  'ragmeter-metrics-only-no-memory': 'ragmeter track(), memory off, metrics only',
  'ragmeter-with-prometheus': 'ragmeter track() + Prometheus reader',
  'naive-otel': 'naive bare OTel (memoryUsage before/after)',
  'naive-otel-no-memory': 'naive bare OTel, no memory reads',
  'prom-client': 'prom-client histogram startTimer/end',
};

export interface Contender {
  key: ContenderKey;
  /** One tracked synchronous operation. */
  sync(): number;
  /** One tracked asynchronous operation. */
  async(): Promise<number>;
}

export interface Contenders {
  all: Contender[];
  get(key: ContenderKey): Contender;
  shutdown(): Promise<void>;
}

/** Accepts spans and throws them away: tracing costs without export costs. */
export function noopExporter(): SpanExporter {
  return {
    export(_spans: ReadableSpan[], done: (result: ExportResult) => void) {
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
}

/**
 * Builds every contender around the same user functions: `work` for synchronous operations,
 * `asyncWork` for asynchronous ones.
 */
export function createContenders(work: () => number, asyncWork: () => Promise<number>): Contenders {
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
  tracerProvider.register(); // the global AsyncLocalStorage context manager, shared by all
  const all: Contender[] = [];
  const monitors: PerformanceMonitor[] = [];

  // ---- ragmeter
  const ragmeter = (key: ContenderKey, memoryTracking: boolean, tracing: boolean, prometheus = false) => {
    const monitor = new PerformanceMonitor({
      memoryTracking,
      tracing,
      spanProcessors: tracing ? [new BatchSpanProcessor(noopExporter())] : undefined,
      metricReaders: prometheus ? [createPrometheusReader()] : undefined,
    });
    monitors.push(monitor);
    const syncFn = (op: Operation) => {
      op.tokens = TOKENS;
      return work();
    };
    const asyncFn = (op: Operation) => {
      op.tokens = TOKENS;
      return asyncWork();
    };
    all.push({ key, sync: () => monitor.track(TYPE, syncFn), async: () => monitor.track(TYPE, asyncFn) });
  };
  ragmeter('ragmeter', true, true);
  ragmeter('ragmeter-no-memory', false, true);
  ragmeter('ragmeter-metrics-only', true, false);
  ragmeter('ragmeter-metrics-only-no-memory', false, false);
  ragmeter('ragmeter-with-prometheus', true, true, true);

  // ---- naive bare OTel
  const tracer = tracerProvider.getTracer('naive');
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: DAY_MS,
        exportTimeoutMillis: DAY_MS - 1,
      }),
    ],
  });
  const meter = meterProvider.getMeter('naive');
  const naive = (key: ContenderKey, memory: boolean) =>
    all.push({ key, ...naiveOperation({ tracer, meter, type: TYPE, memory, spanAttributes: false, work, asyncWork }) });
  naive('naive-otel', true);
  naive('naive-otel-no-memory', false);

  // ---- prom-client
  all.push({ key: 'prom-client', ...promClientTimer(work, asyncWork) });

  all.push({ key: 'bare', sync: work, async: asyncWork });

  return {
    all,
    get(key) {
      return all.find((c) => c.key === key)!;
    },
    async shutdown() {
      await Promise.all([...monitors.map((m) => m.shutdown()), meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

/** prom-client's histogram timer around `work`: startTimer(), then end(labels). */
export function promClientTimer(work: () => number, asyncWork: () => Promise<number>): { sync(): number; async(): Promise<number> } {
  const histogram = new Histogram({
    name: 'rag_operation_duration_seconds',
    help: 'Duration of RAG operations',
    labelNames: ['operation', 'status'],
    registers: [new Registry()],
  });
  return {
    sync: () => {
      const end = histogram.startTimer();
      const result = work();
      end({ operation: TYPE, status: 'success' });
      return result;
    },
    async: async () => {
      const end = histogram.startTimer();
      const result = await asyncWork();
      end({ operation: TYPE, status: 'success' });
      return result;
    },
  };
}
