// collector/otel-collector.yaml, checked without a Collector binary: OTLP in on both protocols,
// the prometheus exporter with the settings that keep docs/metrics.md's names, traces to Tempo,
// and pipelines that only use components the file defines.
import { readYaml } from './support/stack-files';

interface CollectorConfig {
  extensions?: Record<string, unknown>;
  receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
  processors?: Record<string, unknown>;
  exporters: Record<string, Record<string, unknown>>;
  service: {
    extensions?: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

const config = readYaml<CollectorConfig>('collector', 'otel-collector.yaml');

describe('collector/otel-collector.yaml', () => {
  it('receives OTLP over gRPC on 4317 and HTTP on 4318, from other containers', () => {
    const protocols = config.receivers.otlp?.protocols ?? {};
    expect(protocols.grpc?.endpoint).toBe('0.0.0.0:4317');
    expect(protocols.http?.endpoint).toBe('0.0.0.0:4318');
  });

  it('exports metrics for Prometheus on 8889 with resource attributes as labels and default naming', () => {
    const prometheus = config.exporters.prometheus!;
    expect(prometheus.endpoint).toBe('0.0.0.0:8889');
    expect(prometheus.resource_to_telemetry_conversion).toEqual({ enabled: true });
    // The default translation adds the unit and _total suffixes docs/metrics.md lists.
    expect(prometheus).not.toHaveProperty('translation_strategy');
    expect(prometheus).not.toHaveProperty('add_metric_suffixes');
    expect(prometheus).not.toHaveProperty('namespace');
    expect(config.service.pipelines.metrics!.exporters).toEqual(['prometheus']);
  });

  it('sends traces to Tempo over OTLP', () => {
    const traces = config.service.pipelines.traces!;
    expect(traces.receivers).toEqual(['otlp']);
    expect(traces.exporters).toEqual(['otlp_grpc/tempo']);
    expect(config.exporters['otlp_grpc/tempo']!.endpoint).toBe('tempo:4317');
  });

  it('uses only components it defines, memory_limiter first', () => {
    const defined = (section: Record<string, unknown> | undefined) => Object.keys(section ?? {});
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      for (const r of pipeline.receivers) expect({ name, r, defined: defined(config.receivers).includes(r) }).toEqual({ name, r, defined: true });
      for (const p of pipeline.processors ?? []) expect({ name, p, defined: defined(config.processors).includes(p) }).toEqual({ name, p, defined: true });
      for (const e of pipeline.exporters) expect({ name, e, defined: defined(config.exporters).includes(e) }).toEqual({ name, e, defined: true });
      expect(pipeline.processors?.[0]).toBe('memory_limiter');
    }
    for (const ext of config.service.extensions ?? []) expect(defined(config.extensions)).toContain(ext);
    expect(config.service.extensions).toContain('health_check');
  });
});
