import {
  ROOT_CONTEXT,
  context as contextApi,
  createContextKey,
  diag,
  metrics,
  propagation,
  trace,
  type ContextManager,
  type MeterProvider as ApiMeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
// @opentelemetry/sdk-trace, not sdk-trace-base: the OTel JS 3.x line has only the former.
import { BatchSpanProcessor, TracerProvider as SdkTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'node:crypto';
import type { RagMeterOptions } from './config/types.js';
import {
  createOtlpMetricExporter,
  createOtlpTraceExporter,
  DEFAULT_OTLP_INTERVAL_MS,
  DEFAULT_OTLP_TIMEOUT_MS,
  metricExporterReportingFailures,
  spanExporterReportingFailures,
  type ExportFailureHandler,
} from './export/otlp.js';
import { createPrometheusReader, DEFAULT_CARDINALITY_LIMIT } from './export/prometheus.js';
import { INSTRUMENTATION_SCOPE } from './instruments.js';
import { PercentileReader } from './reader/percentile-reader.js';
import { VERSION } from './version.js';

/** The OTel pipeline a monitor records into, whoever owns its providers. */
export interface Pipeline {
  readonly meterProvider: ApiMeterProvider;
  /** Undefined when tracing is off. */
  readonly tracerProvider: TracerProvider | undefined;
  readonly tracer: Tracer | undefined;
  readonly percentileReader: PercentileReader;
  /** Served at /metrics; undefined when there is none. */
  readonly prometheusReader: PrometheusExporter | undefined;
  /** The application's global context manager if it registered one, else a private one. */
  readonly contextManager: Pick<ContextManager, 'active' | 'with'>;
  /** Flushes and shuts down the providers the pipeline owns (not the application's). */
  shutdown(): Promise<void>;
}

/**
 * Wires the providers, readers and exporters `options` ask for: ragmeter's own meter and
 * tracer providers (percentile reader, Prometheus reader, OTLP, more readers and processors),
 * or the application's when it passes them. `onCollect` runs after each percentile collection.
 */
export interface PipelineHooks {
  /** After each percentile collection (the monitor refreshes its health gauge). */
  onCollect: () => void;
  /** A failed OTLP export. */
  onExportFailure: ExportFailureHandler;
}

export function buildPipeline(options: RagMeterOptions, { onCollect, onExportFailure }: PipelineHooks): Pipeline {
  const disabled = options.disabled === true;
  // Disabled, the application's SDK is off too (OTEL_SDK_DISABLED): keep a private report.
  const external = !disabled && options.meterProvider !== undefined;
  const percentileReader =
    (disabled ? undefined : options.percentileReader) ??
    new PercentileReader({ windowSeconds: options.windowSeconds, cardinalityLimit: readerCardinalityLimit(options), onCollect });
  const cardinalityLimit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  const otlp = disabled || options.otlp === undefined || options.otlp === false ? undefined : options.otlp;
  const exporting = !disabled && (otlp !== undefined || (options.prometheus !== undefined && options.prometheus !== false));
  const resource = options.resource ?? (exporting || hasIdentity(options) ? resourceOf(options) : undefined);
  if (options.registerGlobal === true && !disabled) registerGlobalContext();

  let ownMeterProvider: MeterProvider | undefined;
  let meterProvider = external ? options.meterProvider : undefined;
  let prometheusReader = external ? options.prometheusReader : undefined;
  if (meterProvider === undefined) {
    const readers: IMetricReader[] = [percentileReader];
    if (!disabled && options.prometheus !== undefined && options.prometheus !== false) {
      readers.push((prometheusReader = createPrometheusReader({ cardinalityLimit })));
    }
    if (otlp !== undefined) {
      const intervalMillis = otlp.intervalMillis ?? DEFAULT_OTLP_INTERVAL_MS;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: metricExporterReportingFailures(createOtlpMetricExporter(otlp), onExportFailure),
          exportIntervalMillis: intervalMillis,
          exportTimeoutMillis: Math.min(otlp.timeoutMillis ?? DEFAULT_OTLP_TIMEOUT_MS, intervalMillis),
          cardinalityLimits: { default: cardinalityLimit },
        }),
      );
    }
    if (!disabled) readers.push(...(options.metricReaders ?? []));
    meterProvider = ownMeterProvider = new MeterProvider({ resource, readers });
  }

  let ownTracerProvider: SdkTracerProvider | undefined;
  let tracerProvider: TracerProvider | undefined;
  if (options.tracing !== false && !disabled) {
    tracerProvider = options.tracerProvider;
    if (tracerProvider === undefined) {
      const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
      if (otlp !== undefined) {
        spanProcessors.push(
          new BatchSpanProcessor({
            exporter: spanExporterReportingFailures(createOtlpTraceExporter(otlp), onExportFailure),
            maxQueueSize: otlp.maxQueueSize ?? 2048,
            maxExportBatchSize: Math.min(512, otlp.maxQueueSize ?? 2048),
            scheduledDelayMillis: 1000,
            exportTimeoutMillis: otlp.timeoutMillis ?? DEFAULT_OTLP_TIMEOUT_MS,
          }),
        );
      }
      tracerProvider = ownTracerProvider = new SdkTracerProvider({ resource, spanProcessors });
    }
  }
  if (options.registerGlobal === true && ownMeterProvider !== undefined && !disabled) {
    registerGlobalProviders(ownMeterProvider, ownTracerProvider);
  }
  if (options.hostMetrics === true && !disabled) startHostMetrics(meterProvider);

  return {
    meterProvider,
    tracerProvider,
    tracer: tracerProvider?.getTracer(INSTRUMENTATION_SCOPE, VERSION),
    percentileReader,
    prometheusReader,
    // Nested operations need a context manager. Use the application's when it registered one,
    // so our spans nest under its spans too; otherwise a private one (nothing global touched).
    contextManager: hasGlobalContextManager() ? contextApi : new AsyncLocalStorageContextManager().enable(),
    async shutdown() {
      const results = await Promise.allSettled([ownMeterProvider?.shutdown(), ownTracerProvider?.shutdown()]);
      for (const r of results) {
        if (r.status === 'rejected') diag.warn(`ragmeter: flush at shutdown failed: ${String(r.reason)}`);
      }
    },
  };
}

/**
 * The report's reader must never fold an operation type into OTel's overflow series (its type
 * would be lost): ragmeter bounds the labelled series by `cardinalityLimit` itself, and the
 * reader also holds every base series (type × error type × token type).
 */
function readerCardinalityLimit(o: RagMeterOptions): number {
  const maxBaseSeries = (7 + (o.maxCustomTypes ?? 100)) * 40;
  return (o.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT) + maxBaseSeries;
}

const hasIdentity = (o: RagMeterOptions): boolean =>
  o.serviceName !== undefined || o.serviceVersion !== undefined || o.resourceAttributes !== undefined;

function resourceOf(o: RagMeterOptions): Resource {
  const attributes: Record<string, string> = { 'service.instance.id': randomUUID(), ...o.resourceAttributes };
  if (o.serviceName !== undefined) attributes['service.name'] = o.serviceName;
  if (o.serviceVersion !== undefined) attributes['service.version'] = o.serviceVersion;
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
    .merge(resourceFromAttributes(attributes));
}

/** True when the application registered an OTel context manager (e.g. through NodeSDK). */
function hasGlobalContextManager(): boolean {
  const key = createContextKey('ragmeter.probe');
  return contextApi.with(ROOT_CONTEXT.setValue(key, true), () => contextApi.active().getValue(key) === true);
}

function registerGlobalContext(): void {
  // Only where nothing is registered yet: the api refuses to replace a global (returns false).
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!contextApi.setGlobalContextManager(manager)) manager.disable();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

function registerGlobalProviders(meterProvider: MeterProvider, tracerProvider: TracerProvider | undefined): void {
  const okMeter = metrics.setGlobalMeterProvider(meterProvider);
  const okTracer = tracerProvider === undefined || trace.setGlobalTracerProvider(tracerProvider);
  if (!okMeter || !okTracer) {
    const message = 'ragmeter: registerGlobal: a global OTel provider was already registered and was left in place';
    diag.warn(message);
    process.emitWarning(message, { type: 'RagMeterWarning', code: 'RAGMETER_GLOBAL_TAKEN' });
  }
}

function startHostMetrics(meterProvider: ApiMeterProvider): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads only when host metrics are on
    const { HostMetrics } = require('@opentelemetry/host-metrics') as typeof import('@opentelemetry/host-metrics');
    new HostMetrics({ meterProvider, name: '@ragmeter/sdk/host-metrics' }).start();
  } catch (error) {
    diag.warn(`ragmeter: host metrics not started: ${String(error)}`);
  }
}
