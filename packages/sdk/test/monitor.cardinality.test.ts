import { METRIC_GEN_AI_DURATION, METRIC_OPERATION_DURATION, METRIC_OPERATION_TOKENS, METRIC_SDK_DROPPED } from '../src/instruments.js';
import { CollectingReader, pointsOf, useMonitors, useWarningSpy } from './helpers/monitors.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';

const newMonitor = useMonitors();
useWarningSpy();

const llm = (model: string, i: number) => ({
  type: 'llm_inference',
  durationSeconds: 0.001 * (1 + (i % 50)),
  inputTokens: 10,
  outputTokens: 2,
  attributes: { 'gen_ai.request.model': model, 'gen_ai.provider.name': 'openai' },
});

describe('past the cardinality limit nothing is lost and the exported series stay bounded', () => {
  it('2500 distinct models in one collection: all 2500 counted under llm_inference, the overflow counted as dropped', async () => {
    const exporter = new CollectingReader();
    const monitor = newMonitor({ metricReaders: [exporter] });
    for (let i = 0; i < 2500; i++) monitor.recordOperation(llm(`model-${i}`, i));
    const report = await monitor.generateReport();
    expect(report.operations.llm_inference!.total).toBe(2500);
    expect(report.operations.llm_inference!.tokens.total).toBe(2500 * 12);
    const overflowed = report.dropped.by_reason.cardinality_limit!;
    expect(overflowed).toBeGreaterThan(0);
    expect(overflowed).toBeLessThan(2500);

    const metrics = await exporter.metrics();
    const dropped = pointsOf(metrics, METRIC_SDK_DROPPED).find((p) => p.attributes.reason === 'cardinality_limit');
    expect(dropped?.value).toBe(overflowed);
    for (const name of [METRIC_OPERATION_DURATION, METRIC_OPERATION_TOKENS, METRIC_GEN_AI_DURATION]) {
      const points = pointsOf(metrics, name);
      expect(points.length).toBeLessThan(2000);
      expect(points.some((p) => p.attributes['otel.metric.overflow'] !== undefined)).toBe(false);
    }
    const durations = pointsOf(metrics, METRIC_OPERATION_DURATION);
    expect(durations.every((p) => p.attributes['rag.operation.type'] === 'llm_inference')).toBe(true);
    expect(durations.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(2500);
  });

  it('/metrics stays under the limit for good, scrape after scrape of new label values', async () => {
    const limit = 300;
    const monitor = newMonitor({ prometheus: { port: 0 }, cardinalityLimit: limit, metricAttributes: ['tenant'] });
    const url = `${await monitor.serverUrl()}/metrics`;
    let total = 0;
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 500; i++) {
        monitor.recordOperation({ type: 'reranking', durationSeconds: 0.01, memoryDeltaMb: 0.5, attributes: { tenant: `r${round}-t${i}` } });
        total++;
      }
      const text = await (await fetch(url)).text();
      const counts = parsePrometheusText(text).samples.filter((s) => s.name === 'rag_operation_duration_seconds_count');
      sizes.push(counts.length);
      expect(counts.every((s) => s.labels.rag_operation_type === 'reranking')).toBe(true);
      expect(counts.reduce((n, s) => n + s.value, 0)).toBe(total);
      const memory = parsePrometheusText(text).samples.filter((s) => s.name === 'rag_operation_memory_delta_bytes');
      expect(memory.length).toBeLessThan(limit);
    }
    expect(Math.max(...sizes)).toBeLessThan(limit);
    expect(sizes[3]).toBe(sizes[1]); // full after the first rounds, and no growth after that
    expect((await monitor.generateReport()).operations.reranking!.total).toBe(total);
  });
});
