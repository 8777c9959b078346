import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { PrometheusTextSerializer } from './prometheus-serializer.js';

/** OTel's default number of series per instrument. */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

/** A PrometheusExporter whose series per instrument follow ragmeter's cardinality limit. */
class BoundedPrometheusReader extends PrometheusExporter {
  constructor(private readonly limit: number) {
    super({ preventServerStart: true });
  }

  override selectCardinalityLimit(): number {
    return this.limit;
  }
}

/**
 * The Prometheus reader ragmeter serves /metrics from (no server of its own). Add it to your
 * NodeSDK's metric readers and pass it to startRagMeter({ prometheusReader }) to keep /metrics
 * when ragmeter joins an existing SDK. `cardinalityLimit`: the same as ragmeter's (default 2000).
 */
export function createPrometheusReader(options: { cardinalityLimit?: number } = {}): PrometheusExporter {
  return new BoundedPrometheusReader(options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT);
}

const serializer = new PrometheusTextSerializer();

/**
 * One collection of `reader` in the Prometheus text format, with the Collector's unit suffixes:
 * UTF-8 buffers written and encoded in slices that yield to the event loop.
 */
export async function prometheusBody(reader: PrometheusExporter): Promise<Buffer[]> {
  const { resourceMetrics } = await reader.collect();
  return serializer.buffers(resourceMetrics);
}
