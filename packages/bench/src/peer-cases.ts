/**
 * The cases of the peers benchmark (peers.ts), and the child-process side of it. Each peer runs
 * in a process of its own (dist/peers-<group>.js, forked by peers.ts), interleaved with
 * ragmeter's track() and a bare OTel span, so that its ratio to track() is taken per round in
 * one process while no other peer's code shares that process (spans of several libraries through
 * the same OTel SDK code make its call sites polymorphic and its garbage shared, which slows every
 * case); a control process loads no peer at all, to show what a peer's presence does to
 * ragmeter. OpenLLMetry starts an OpenTelemetry NodeSDK that takes the global tracer provider.
 *
 * Every case wraps the same user function (`() => ++counter`, `async () => ++counter`) and
 * exports spans to an exporter that accepts and drops them (no network).
 */
import type { Span, Tracer } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PerformanceMonitor, type Operation } from '@ragmeter/sdk';
import { TYPE, noopExporter, promClientTimer } from './contenders.js';
import { interleave, parseOptions, timeAsync, timeSync, type Clock } from './harness.js';

const TOKENS = 42;

export type PeerKey =
  | 'ragmeter'
  | 'ragmeter-no-memory'
  | 'otel-span'
  | 'openlit'
  | 'openllmetry'
  | 'langfuse'
  | 'openinference'
  | 'prom-client';

export const PEER_LABELS: Record<PeerKey, string> = {
  ragmeter: 'ragmeter track(), memory on',
  'ragmeter-no-memory': 'ragmeter track(), memory off',
  'otel-span': 'bare OTel span (startActiveSpan + end)',
  openlit: 'OpenLIT trace()',
  openllmetry: 'OpenLLMetry (Traceloop) withTask()',
  langfuse: 'Langfuse startActiveObservation()',
  openinference: 'OpenInference withSpan()',
  'prom-client': 'prom-client histogram startTimer/end',
};

/** What each case records per operation. */
export const PEER_RECORDS: Record<PeerKey, string> = {
  ragmeter: 'span + metrics (duration, tokens, memory delta) + memory',
  'ragmeter-no-memory': 'span + metrics (duration, tokens)',
  'otel-span': 'span only',
  openlit: 'span only (+ service and environment attributes)',
  openllmetry: 'span only (+ input and output serialised to JSON, on by default)',
  langfuse: 'span only (+ observation type; trace id in baggage)',
  openinference: 'span only (+ output serialised, on by default)',
  'prom-client': 'metrics only (duration histogram)',
};

export type Mode = 'sync' | 'async';
/** Per mode, per case: time per operation (ns) in each round of one process. */
export type Rounds = Record<Mode, Record<string, number[]>>;

export interface PeerCase {
  key: PeerKey;
  /** One tracked synchronous operation. */
  sync(): unknown;
  /** One tracked asynchronous operation. */
  async(): Promise<unknown>;
}

export interface CaseSet {
  cases: PeerCase[];
  shutdown(): Promise<void>;
}

export type UserWork = { work: () => number; asyncWork: () => Promise<number> };

/** A tracer provider of a case's own: a BatchSpanProcessor with a no-op exporter, as in contenders.ts. */
export function ownTracerProvider(): NodeTracerProvider {
  return new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter())] });
}

/**
 * Registers a tracer provider globally, for its AsyncLocalStorage context manager (every case
 * shares it, as in an application with an OTel SDK), as contenders.ts does.
 */
export function registerGlobalProvider(): NodeTracerProvider {
  const provider = ownTracerProvider();
  provider.register();
  return provider;
}

/** ragmeter's track() with memory tracking on and off, tracing on, as in contenders.ts. */
export function ragmeterCases({ work, asyncWork }: UserWork): CaseSet {
  const monitors: PerformanceMonitor[] = [];
  const cases = ([['ragmeter', true], ['ragmeter-no-memory', false]] as const).map(([key, memoryTracking]): PeerCase => {
    const monitor = new PerformanceMonitor({ memoryTracking, tracing: true, spanProcessors: [new BatchSpanProcessor(noopExporter())] });
    monitors.push(monitor);
    const syncFn = (op: Operation) => {
      op.tokens = TOKENS;
      return work();
    };
    const asyncFn = (op: Operation) => {
      op.tokens = TOKENS;
      return asyncWork();
    };
    return { key, sync: () => monitor.track(TYPE, syncFn), async: () => monitor.track(TYPE, asyncFn) };
  });
  return { cases, shutdown: async () => void (await Promise.all(monitors.map((m) => m.shutdown()))) };
}

/** A bare OTel span around the function, on a tracer provider of its own. */
export function otelSpanCase({ work, asyncWork }: UserWork): CaseSet {
  const provider = ownTracerProvider();
  const tracer: Tracer = provider.getTracer('bench');
  const syncBody = (span: Span) => {
    try {
      return work();
    } finally {
      span.end();
    }
  };
  const asyncBody = async (span: Span) => {
    try {
      return await asyncWork();
    } finally {
      span.end();
    }
  };
  return {
    cases: [{ key: 'otel-span', sync: () => tracer.startActiveSpan(TYPE, syncBody), async: () => tracer.startActiveSpan(TYPE, asyncBody) }],
    shutdown: () => provider.shutdown(),
  };
}

/** prom-client's histogram timer, the overhead benchmark's. */
export function promClientCase({ work, asyncWork }: UserWork): CaseSet {
  return { cases: [{ key: 'prom-client', ...promClientTimer(work, asyncWork) }], shutdown: async () => undefined };
}

/** Warms up, then runs every case interleaved round by round, sync then async. */
export async function measureCases(cases: readonly PeerCase[], quick: boolean, clock: Clock): Promise<Rounds> {
  const options = { rounds: quick ? 7 : 15, targetMs: quick ? 8 : 40, warmupMs: quick ? 100 : 1000 };
  const rounds = { sync: {}, async: {} } as Rounds;
  for (const mode of ['sync', 'async'] as const) {
    const perOp = await interleave(
      cases.map((c) => ({
        name: c.key,
        run: mode === 'sync' ? (n: number) => timeSync(n, c.sync, clock) : (n: number) => timeAsync(n, c.async, clock),
      })),
      options,
    );
    rounds[mode] = Object.fromEntries(perOp);
  }
  return rounds;
}

/**
 * The main program of a group's process: builds the cases around the shared user function,
 * measures them, and sends the rounds to the parent (peers.ts) over IPC.
 */
export function serveGroup(build: (user: UserWork) => CaseSet | Promise<CaseSet>): void {
  const { quick, clock } = parseOptions();
  let counter = 0;
  const user: UserWork = { work: () => ++counter, asyncWork: async () => ++counter };
  (async () => {
    const set = await build(user);
    const rounds = await measureCases(set.cases, quick, clock);
    await set.shutdown();
    await new Promise<void>((resolve) => process.send!({ rounds }, () => resolve()));
    process.exit(0);
  })().catch((error: unknown) => {
    process.stderr.write(`peers: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

/** Combines case sets into one, in order. */
export function combine(...sets: CaseSet[]): CaseSet {
  return {
    cases: sets.flatMap((s) => s.cases),
    shutdown: async () => void (await Promise.all(sets.map((s) => s.shutdown()))),
  };
}
