import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { PricingTable } from '../pricing/prices.js';
import type { TokenCounter } from '../probes/tokens.js';
import type { PercentileReader } from '../reader/percentile-reader.js';
import type { HealthThresholds } from '../report/health.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** The HTTP server for /metrics, /report and /health. */
export interface PrometheusOptions {
  /** Port. Default 9464; 0 picks a free port. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
}

/** OTLP push of traces and metrics to a Collector. */
export interface OtlpOptions {
  /** Collector base URL, e.g. http://localhost:4318 (HTTP) or http://localhost:4317 (gRPC). */
  endpoint?: string;
  /** Full URL for traces, used as is. Default: `${endpoint}/v1/traces` (HTTP) or `endpoint` (gRPC). */
  tracesEndpoint?: string;
  /** Full URL for metrics, used as is. Default: `${endpoint}/v1/metrics` (HTTP) or `endpoint` (gRPC). */
  metricsEndpoint?: string;
  /** Default http/protobuf. */
  protocol?: OtlpProtocol;
  /** Extra request headers (auth tokens and alike). */
  headers?: Record<string, string>;
  /** Metric export period, milliseconds. Default 15000. */
  intervalMillis?: number;
  /** Per-export timeout, milliseconds. Default 10000. */
  timeoutMillis?: number;
  /** Spans buffered for export; beyond it new spans are dropped. Default 2048. */
  maxQueueSize?: number;
}

/**
 * Options of {@link startRagMeter} and of `new PerformanceMonitor()` — one set for both.
 * Every field is optional. The two differ only in defaults: `startRagMeter()` also reads the
 * RAGMETER_* / OTEL_* environment variables and turns on the HTTP server
 * (`prometheus`, 127.0.0.1:9464) and host metrics; a `new PerformanceMonitor()` exports
 * nothing unless told to. docs/configuration.md lists each option with its variable.
 */
export interface RagMeterOptions {
  // ---- identity ------------------------------------------------------------------------
  /** `service.name` of the resource. Env: OTEL_SERVICE_NAME. */
  serviceName?: string;
  /** `service.version` of the resource. */
  serviceVersion?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES is read as well). */
  resourceAttributes?: Record<string, string>;
  /** The whole resource of ragmeter's own providers, instead of the three options above. */
  resource?: Resource;

  // ---- export ----------------------------------------------------------------------------
  /** The /metrics, /report, /health server; false for none. startRagMeter() default: on, 127.0.0.1:9464. */
  prometheus?: PrometheusOptions | false;
  /** Push traces and metrics over OTLP; false for none. Default: off unless an endpoint is configured. */
  otlp?: OtlpOptions | false;
  /** Process and system CPU/memory metrics. startRagMeter() default: true; otherwise false. */
  hostMetrics?: boolean;
  /** More metric readers for ragmeter's own meter provider. */
  metricReaders?: IMetricReader[];
  /** More span processors for ragmeter's own tracer provider. */
  spanProcessors?: SpanProcessor[];

  // ---- joining an application's OTel SDK --------------------------------------------------
  /** Record on this meter provider (e.g. the application's NodeSDK); needs `percentileReader` registered on it. */
  meterProvider?: MeterProvider;
  /** Create spans with this tracer provider. Default: ragmeter's own (startRagMeter: the global one when joining). */
  tracerProvider?: TracerProvider;
  /** The PercentileReader behind the report: required with `meterProvider`, created otherwise. */
  percentileReader?: PercentileReader;
  /** With `meterProvider`: the reader made by createPrometheusReader() and registered on it, served at /metrics. */
  prometheusReader?: PrometheusExporter;

  // ---- what is recorded --------------------------------------------------------------------
  /** A span per operation. Default true; false gives a metrics-only monitor. */
  tracing?: boolean;
  /** The V8 heap-used change across each operation. Default true. */
  memoryTracking?: boolean;
  /** Record prompt and response text on spans. Default false: never. */
  captureContent?: boolean;
  /** Tokenizer for setTokensFromText() and countTokens(). Default: OpenAI o200k_base. */
  tokenCounter?: TokenCounter;
  /** User attribute keys that also become metric labels; others go on spans only. Default ['gen_ai.request.model']. */
  metricAttributes?: string[];
  /**
   * Prices by model, USD per million tokens, over the bundled table (an entry here replaces the
   * bundled one of the same name): `{ 'my-model': { inputPerMillionTokens: 1,
   * outputPerMillionTokens: 2, cachedInputPerMillionTokens: 0.5 } }`. Env:
   * RAGMETER_PRICING_FILE (a JSON file of the same shape; these entries win over it).
   */
  pricing?: PricingTable;

  // ---- report and health -------------------------------------------------------------------
  /** Longest recent window a report can cover, seconds; health is judged on it. Default 300. */
  windowSeconds?: number;
  health?: HealthThresholds;
  /** RSS sampling period for getMemoryStats(), milliseconds; 0 samples only on read. Default 1000. */
  memorySampleIntervalMs?: number;

  // ---- bounds ------------------------------------------------------------------------------
  /** String attribute values are cut to this length. Default 256. */
  maxAttributeValueLength?: number;
  /** User attributes per operation; extra ones are dropped and counted. Default 32. */
  maxAttributesPerOperation?: number;
  /** Custom operation type names accepted; later new names are dropped and counted. Default 100. */
  maxCustomTypes?: number;
  /** Metric series per instrument (the OTel cardinality limit). Default 2000. */
  cardinalityLimit?: number;

  // ---- process-wide ------------------------------------------------------------------------
  /** Register ragmeter's providers and a context manager as the OTel globals (only where none is). Default false. */
  registerGlobal?: boolean;
  /** shutdown() on SIGTERM/SIGINT, then exit by the signal. Default false. */
  handleSignals?: boolean;
  /** OTEL_SDK_DISABLED: no exporters, server, spans or memory probes; the in-process report still counts. */
  disabled?: boolean;
}
