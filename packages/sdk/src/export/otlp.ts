import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpOptions } from '../config/types.js';

const DEFAULT_OTLP_HTTP = 'http://localhost:4318';
const DEFAULT_OTLP_GRPC = 'http://localhost:4317';
export const DEFAULT_OTLP_INTERVAL_MS = 15_000;
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/* eslint-disable @typescript-eslint/no-require-imports -- each exporter loads only when its protocol is configured */

/** The OTLP span exporter for `otlp.protocol` (http/protobuf by default). */
export function createOtlpTraceExporter(otlp: OtlpOptions): SpanExporter {
  const protocol = otlp.protocol ?? 'http/protobuf';
  const timeoutMillis = otlp.timeoutMillis ?? DEFAULT_OTLP_TIMEOUT_MS;
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

/** The OTLP metric exporter for `otlp.protocol` (http/protobuf by default). */
export function createOtlpMetricExporter(otlp: OtlpOptions): PushMetricExporter {
  const protocol = otlp.protocol ?? 'http/protobuf';
  const timeoutMillis = otlp.timeoutMillis ?? DEFAULT_OTLP_TIMEOUT_MS;
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
/* eslint-enable @typescript-eslint/no-require-imports */

/** Called with each failed export (the batch is lost): ragmeter counts and warns. */
export type ExportFailureHandler = (signal: 'traces' | 'metrics', error: unknown) => void;

const reportingFailures = (signal: 'traces' | 'metrics', onFailure: ExportFailureHandler, done: (result: ExportResult) => void) =>
  (result: ExportResult): void => {
    if (result.code !== ExportResultCode.SUCCESS) {
      try {
        onFailure(signal, result.error);
      } catch {
        // counting must not break the export pipeline
      }
    }
    done(result);
  };

/** `exporter`, telling `onFailure` of every failed export. Without an OTel diag logger these were invisible. */
export function spanExporterReportingFailures(exporter: SpanExporter, onFailure: ExportFailureHandler): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done) => exporter.export(spans, reportingFailures('traces', onFailure, done)),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** `exporter`, telling `onFailure` of every failed export; its aggregation and temporality choices are kept. */
export function metricExporterReportingFailures(exporter: PushMetricExporter, onFailure: ExportFailureHandler): PushMetricExporter {
  return {
    export: (metrics: ResourceMetrics, done) => exporter.export(metrics, reportingFailures('metrics', onFailure, done)),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
    selectAggregation: exporter.selectAggregation?.bind(exporter),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
  };
}
