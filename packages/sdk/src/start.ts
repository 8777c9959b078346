import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import {
  RagMeterConfigError,
  configFromEnv,
  mergeConfig,
  validateConfig,
  type OtlpConfig,
  type RagMeterConfig,
} from './config.js';
import { getGlobalMonitor, setGlobalMonitor } from './global.js';
import { RagMeterServer } from './http/server.js';
import { PerformanceMonitor, type PerformanceMonitorOptions } from './monitor.js';

export const DEFAULT_PROMETHEUS_PORT = 9464;
export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
const DEFAULT_OTLP_HTTP = 'http://localhost:4318';
const DEFAULT_OTLP_GRPC = 'http://localhost:4317';

const STARTED = Symbol.for('ragmeter.started-config');
type Started = PerformanceMonitor & { [STARTED]?: string };

/**
 * Registers ragmeter at application start-up and returns the global monitor: the in-memory
 * report, a /metrics + /report + /health server (127.0.0.1:9464 by default), OTLP export when
 * an endpoint is configured, and host metrics. Options come from `config`, then RAGMETER_* and
 * OTEL_* environment variables, then defaults. Invalid configuration throws a
 * RagMeterConfigError naming the key. Idempotent: later calls return the same monitor (and
 * warn if their configuration differs). Global OTel providers are left alone unless
 * `registerGlobal: true`.
 */
export function startRagMeter(config: RagMeterConfig = {}): PerformanceMonitor {
  validateConfig(config);
  let fromEnv: RagMeterConfig;
  try {
    fromEnv = configFromEnv();
    validateConfig(fromEnv);
  } catch (error) {
    if (error instanceof RagMeterConfigError) {
      throw new RagMeterConfigError(`${error.message} (from the environment)`);
    }
    throw error;
  }
  const merged = mergeConfig(fromEnv, config);
  const fingerprint = fingerprintOf(merged);

  const existing = getGlobalMonitor() as Started | undefined;
  if (existing !== undefined && existing[STARTED] !== undefined) {
    if (existing[STARTED] !== fingerprint) {
      const message = 'ragmeter: startRagMeter() was called again with a different configuration; the first one stays in effect';
      diag.warn(message);
      process.emitWarning(message, { type: 'RagMeterWarning', code: 'RAGMETER_ALREADY_STARTED' });
    }
    return existing;
  }

  const monitor = build(merged) as Started;
  monitor[STARTED] = fingerprint;
  setGlobalMonitor(monitor);
  monitor.addShutdownHook(() => {
    if (getGlobalMonitor() === monitor) setGlobalMonitor(undefined);
  });
  return monitor;
}

function fingerprintOf(config: RagMeterConfig): string {
  return JSON.stringify(config, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype
      ? `[${(value as object).constructor?.name ?? 'object'}]`
      : typeof value === 'function'
        ? '[function]'
        : value,
  );
}

function monitorLimits(c: RagMeterConfig): PerformanceMonitorOptions {
  return {
    windowSeconds: c.windowSeconds,
    health: c.health,
    metricAttributes: c.metricAttributes,
    maxAttributeValueLength: c.maxAttributeValueLength,
    maxCustomTypes: c.maxCustomTypes,
    cardinalityLimit: c.cardinalityLimit,
    captureContent: c.captureContent,
    tokenCounter: c.tokenCounter,
  };
}

function resourceOf(c: RagMeterConfig): Resource {
  const attributes: Record<string, string> = { 'service.instance.id': randomUUID(), ...c.resourceAttributes };
  if (c.serviceName !== undefined) attributes['service.name'] = c.serviceName;
  if (c.serviceVersion !== undefined) attributes['service.version'] = c.serviceVersion;
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
    .merge(resourceFromAttributes(attributes));
}

function build(c: RagMeterConfig): PerformanceMonitor {
  if (c.disabled === true) {
    // OTEL_SDK_DISABLED: nothing leaves the process and no probe runs; the report still works.
    return new PerformanceMonitor({ ...monitorLimits(c), tracing: false, memoryTracking: false, memorySampleIntervalMs: 0 });
  }
  const external = c.meterProvider !== undefined;
  if (external && c.otlp !== undefined && c.otlp !== false) {
    throw new RagMeterConfigError(
      'ragmeter: invalid config "otlp": with "meterProvider" your own SDK exports; configure OTLP there and leave "otlp" out',
    );
  }
  if (c.registerGlobal === true) registerGlobalContext();

  const prometheusOn = c.prometheus !== false;
  let prometheusReader = c.prometheusReader;
  const readers: IMetricReader[] = [];
  const spanProcessors: SpanProcessor[] = [];
  let monitor: PerformanceMonitor;
  if (external) {
    if (c.prometheus !== undefined && c.prometheus !== false && prometheusReader === undefined) {
      throw new RagMeterConfigError(
        'ragmeter: invalid config "prometheus": with "meterProvider", /metrics needs "prometheusReader" — create it with createPrometheusReader(), add it to your SDK\'s metric readers and pass it',
      );
    }
    monitor = new PerformanceMonitor({
      ...monitorLimits(c),
      memoryTracking: c.memoryTracking,
      tracing: c.tracing,
      meterProvider: c.meterProvider,
      percentileReader: c.percentileReader,
      tracerProvider: c.tracerProvider ?? trace.getTracerProvider(),
    });
  } else {
    const resource = resourceOf(c);
    if (prometheusOn) {
      prometheusReader = createPrometheusReader();
      readers.push(prometheusReader);
    }
    if (c.otlp !== undefined && c.otlp !== false) {
      const otlp = c.otlp;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: createOtlpMetricExporter(otlp),
          exportIntervalMillis: otlp.intervalMillis ?? 15_000,
          exportTimeoutMillis: Math.min(otlp.timeoutMillis ?? 10_000, otlp.intervalMillis ?? 15_000),
        }),
      );
      if (c.tracing !== false) {
        spanProcessors.push(
          new BatchSpanProcessor(createOtlpTraceExporter(otlp), {
            maxQueueSize: otlp.maxQueueSize ?? 2048,
            maxExportBatchSize: Math.min(512, otlp.maxQueueSize ?? 2048),
            scheduledDelayMillis: 1000,
            exportTimeoutMillis: otlp.timeoutMillis ?? 10_000,
          }),
        );
      }
    }
    monitor = new PerformanceMonitor({
      ...monitorLimits(c),
      memoryTracking: c.memoryTracking,
      tracing: c.tracing,
      tracerProvider: c.tracerProvider,
      resource,
      metricReaders: readers,
      spanProcessors,
    });
    if (c.registerGlobal === true) registerGlobalProviders(monitor);
  }

  if (c.hostMetrics !== false) startHostMetrics(monitor);

  if (prometheusOn) {
    const p = c.prometheus === undefined || c.prometheus === false ? {} : c.prometheus;
    const server = new RagMeterServer({
      host: p.host ?? DEFAULT_PROMETHEUS_HOST,
      port: p.port ?? DEFAULT_PROMETHEUS_PORT,
      monitor,
      prometheusReader,
    });
    server.ready.catch((error: Error) => {
      diag.error(error.message);
      process.emitWarning(error.message, { type: 'RagMeterWarning', code: 'RAGMETER_SERVER_FAILED' });
    });
    monitor.server = server;
    monitor.addShutdownHook(() => server.close());
  }

  if (c.handleSignals === true) handleSignals(monitor);
  return monitor;
}

/**
 * The Prometheus reader ragmeter serves /metrics from (no server of its own). Add it to your
 * NodeSDK's metric readers and pass it to startRagMeter({ prometheusReader }) to keep /metrics
 * when ragmeter joins an existing SDK.
 */
export function createPrometheusReader(): PrometheusExporter {
  return new PrometheusExporter({ preventServerStart: true });
}

/* eslint-disable @typescript-eslint/no-require-imports -- exporters load only when configured */
function createOtlpTraceExporter(otlp: OtlpConfig): SpanExporter {
  const protocol = otlp.protocol ?? 'http/protobuf';
  const timeoutMillis = otlp.timeoutMillis ?? 10_000;
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter({ url: otlp.tracesEndpoint ?? otlp.endpoint ?? DEFAULT_OTLP_GRPC, metadata: grpcMetadata(otlp.headers), timeoutMillis });
  }
  const url = otlp.tracesEndpoint ?? `${trimSlash(otlp.endpoint ?? DEFAULT_OTLP_HTTP)}/v1/traces`;
  const { OTLPTraceExporter } = (protocol === 'http/json'
    ? require('@opentelemetry/exporter-trace-otlp-http')
    : require('@opentelemetry/exporter-trace-otlp-proto')) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url, headers: otlp.headers, timeoutMillis });
}

function createOtlpMetricExporter(otlp: OtlpConfig): PushMetricExporter {
  const protocol = otlp.protocol ?? 'http/protobuf';
  const timeoutMillis = otlp.timeoutMillis ?? 10_000;
  if (protocol === 'grpc') {
    const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc');
    return new OTLPMetricExporter({ url: otlp.metricsEndpoint ?? otlp.endpoint ?? DEFAULT_OTLP_GRPC, metadata: grpcMetadata(otlp.headers), timeoutMillis });
  }
  const url = otlp.metricsEndpoint ?? `${trimSlash(otlp.endpoint ?? DEFAULT_OTLP_HTTP)}/v1/metrics`;
  const { OTLPMetricExporter } = (protocol === 'http/json'
    ? require('@opentelemetry/exporter-metrics-otlp-http')
    : require('@opentelemetry/exporter-metrics-otlp-proto')) as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter({ url, headers: otlp.headers, timeoutMillis });
}

function grpcMetadata(headers: Record<string, string> | undefined) {
  const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers ?? {})) metadata.set(k, v);
  return metadata;
}

function startHostMetrics(monitor: PerformanceMonitor): void {
  try {
    const { HostMetrics } = require('@opentelemetry/host-metrics') as typeof import('@opentelemetry/host-metrics');
    new HostMetrics({ meterProvider: monitor.meterProvider, name: '@ragmeter/sdk/host-metrics' }).start();
  } catch (error) {
    diag.warn(`ragmeter: host metrics not started: ${String(error)}`);
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

function registerGlobalContext(): void {
  // Only where nothing is registered yet: the api refuses to replace a global (returns false).
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

function registerGlobalProviders(monitor: PerformanceMonitor): void {
  const okMeter = metrics.setGlobalMeterProvider(monitor.meterProvider);
  const okTracer = monitor.tracerProvider === undefined || trace.setGlobalTracerProvider(monitor.tracerProvider);
  if (!okMeter || !okTracer) {
    const message = 'ragmeter: registerGlobal: a global OTel provider was already registered and was left in place';
    diag.warn(message);
    process.emitWarning(message, { type: 'RagMeterWarning', code: 'RAGMETER_GLOBAL_TAKEN' });
  }
}

function handleSignals(monitor: PerformanceMonitor): void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const removeAll = (): void => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = (): void => {
      removeAll();
      monitor.shutdown().finally(() => {
        // Leave the exit to the application when it listens too; otherwise die of the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  monitor.addShutdownHook(removeAll);
}
