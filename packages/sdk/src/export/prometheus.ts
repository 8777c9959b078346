import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { withUnitSuffixes } from './prometheus-names.js';

/**
 * The Prometheus reader ragmeter serves /metrics from (no server of its own). Add it to your
 * NodeSDK's metric readers and pass it to startRagMeter({ prometheusReader }) to keep /metrics
 * when ragmeter joins an existing SDK.
 */
export function createPrometheusReader(): PrometheusExporter {
  return new PrometheusExporter({ preventServerStart: true });
}

const serializer = new PrometheusSerializer();

/** One collection of `reader` in the Prometheus text format, with the Collector's unit suffixes. */
export async function prometheusText(reader: PrometheusExporter): Promise<string> {
  const { resourceMetrics } = await reader.collect();
  return serializer.serialize(withUnitSuffixes(resourceMetrics));
}
