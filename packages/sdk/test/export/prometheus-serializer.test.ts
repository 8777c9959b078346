import type { Attributes } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DataPointType, MeterProvider, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { prometheusBaseName, prometheusUnit } from '../../src/export/prometheus-names';
import { PrometheusTextSerializer } from '../../src/export/prometheus-serializer';

/**
 * The reference: OpenTelemetry's own PrometheusSerializer over the same collection, with the
 * Collector's unit suffixes put on the descriptors first (how ragmeter served /metrics before).
 */
function reference(resourceMetrics: ResourceMetrics): string {
  const gauge = (m: MetricData) => m.dataPointType === DataPointType.GAUGE || (m.dataPointType === DataPointType.SUM && !m.isMonotonic);
  const suffixed: ResourceMetrics = {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map(
        (m) =>
          ({
            ...m,
            descriptor: {
              ...m.descriptor,
              name: prometheusBaseName(m.descriptor.name, m.descriptor.unit, gauge(m)),
              unit: prometheusUnit(m.descriptor.unit, gauge(m)),
            },
          }) as MetricData,
      ),
    })),
  };
  return new PrometheusSerializer().serialize(suffixed);
}

const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function pipeline(resource: Attributes = { 'service.name': 'rag-api' }) {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader], resource: resourceFromAttributes(resource) });
  providers.push(provider);
  return { reader, provider };
}

async function both(reader: PrometheusExporter, sliceMs = Infinity): Promise<[string, string]> {
  const { resourceMetrics } = await reader.collect();
  return [await new PrometheusTextSerializer().serialize(resourceMetrics, sliceMs), reference(resourceMetrics)];
}

const AWKWARD_VALUES = ['plain', 'with "quotes"', 'back\\slash', 'new\nline', '', 'ünïcode ✓', '{}', 'a,b=c'];

describe('PrometheusTextSerializer', () => {
  it('writes what OTel\'s serializer writes, for every instrument kind, unit and awkward label', async () => {
    const { reader, provider } = pipeline({ 'service.name': 'rag "api"', 'deployment.environment': 'prod\\1', 'host.count': 3 });
    const meter = provider.getMeter('@ragmeter/sdk', '0.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
    const other = provider.getMeter('no-version');
    const duration = meter.createHistogram('rag.operation.duration', { unit: 's', description: 'Duration\nof "ops" \\ here', advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] } });
    const tokens = meter.createHistogram('rag.operation.tokens', { unit: '{token}' });
    const counter = meter.createCounter('rag.sdk.dropped', { unit: '{value}', description: 'Dropped' });
    const counterTotal = meter.createCounter('requests_total');
    const bytes = meter.createUpDownCounter('rag.operation.memory.delta', { unit: 'By' });
    const ratio = other.createObservableGauge('cpu.utilization', { unit: '1' });
    ratio.addCallback((r) => r.observe(0.25, { 'cpu.state': 'user' }));
    const rate = other.createCounter('net..io', { unit: 'By/s' });
    const digit = other.createCounter('9lives', { unit: 'USD' });
    for (const [i, value] of AWKWARD_VALUES.entries()) {
      const attrs = { 'rag.operation.type': 'llm_inference', 'label.value': value, 'odd-key.x': i, flag: i % 2 === 0 };
      duration.record(0.05 * (i + 1), attrs);
      duration.record(Infinity === 1 ? 0 : 20, attrs);
      tokens.record(100 * i, { 'gen_ai.token.type': 'input', list: ['a', 'b"'] });
      counter.add(i, { reason: value });
      bytes.add(-1024 * i, attrs);
      rate.add(1.5);
      digit.add(0.001 * i);
      counterTotal.add(1);
    }
    duration.record(0.2); // no attributes
    const [ours, theirs] = await both(reader);
    expect(ours).toBe(theirs);
    expect(ours).toContain('rag_operation_duration_seconds_bucket{'); // the data is there at all
    expect(ours).toContain('# UNIT rag_operation_duration_seconds seconds');
  });

  it('writes the same when no metric is registered, and for a resource without attributes', async () => {
    const { reader } = pipeline({});
    const [ours, theirs] = await both(reader);
    expect(ours).toBe(theirs);
  });

  it('matches OTel for arbitrary label names and values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean())), { maxLength: 5 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        async (pairs, value) => {
          const { reader, provider } = pipeline();
          const meter = provider.getMeter('m');
          const attrs = Object.fromEntries(pairs);
          meter.createHistogram('h', { unit: 'ms' }).record(Math.abs(value), attrs);
          meter.createUpDownCounter('g').add(value, attrs);
          const [ours, theirs] = await both(reader);
          await provider.shutdown();
          expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('yields to the event loop between slices and still writes the same text', async () => {
    const { reader, provider } = pipeline();
    const histogram = provider.getMeter('m').createHistogram('rag.operation.duration', { unit: 's' });
    for (let i = 0; i < 2000; i++) histogram.record(i / 1000, { tenant: `t${i}` });
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const { resourceMetrics } = await reader.collect();
      const sliced = await new PrometheusTextSerializer().serialize(resourceMetrics, 0);
      expect(turns).toBeGreaterThan(0);
      expect(sliced).toBe(reference(resourceMetrics));
    } finally {
      clearInterval(ticker);
    }
  });

  it('as buffers: small pieces (never one exposition-sized piece) that concatenate to the same bytes', async () => {
    const { reader, provider } = pipeline();
    const histogram = provider.getMeter('m').createHistogram('rag.operation.duration', { unit: 's' });
    for (let i = 0; i < 2000; i++) histogram.record(i / 1000, { tenant: `t${i}`, label: AWKWARD_VALUES[i % AWKWARD_VALUES.length]! });
    const { resourceMetrics } = await reader.collect();
    const serializer = new PrometheusTextSerializer();
    const pieces = await serializer.buffers(resourceMetrics, 0);
    const whole = Buffer.concat(pieces);
    expect(whole.length).toBeGreaterThan(1_000_000);
    expect(whole.toString('utf8')).toBe(reference(resourceMetrics));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 20);
    expect(Buffer.concat(await serializer.buffers(resourceMetrics, Infinity)).equals(whole)).toBe(true);
  });

  it('as buffers, with nothing to expose: the same text as OTel\'s serializer', async () => {
    const { reader } = pipeline();
    const { resourceMetrics } = await reader.collect();
    expect(Buffer.concat(await new PrometheusTextSerializer().buffers(resourceMetrics)).toString('utf8')).toBe(reference(resourceMetrics));
  });
});
