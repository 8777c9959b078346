import fc from 'fast-check';
import { OperationType } from '../src/operation-type.js';
import { DISTRIBUTIONS, MAX_SECONDS, MIN_SECONDS, exactPercentile, relativeError, sample, sortedCopy } from './helpers/nearest-rank.js';
import { useMonitors } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();

const TYPE = OperationType.DOCUMENT_RETRIEVAL;

/** Records `values` through the public API (in a few collections) and returns the report's durations. */
async function reportFor(values: readonly number[], collections: number) {
  const monitor = newMonitor({ tracing: false, memoryTracking: false });
  const step = Math.max(1, Math.ceil(values.length / collections));
  for (let i = 0; i < values.length; i++) {
    monitor.recordOperation({ type: TYPE, durationSeconds: values[i]! });
    if (i % step === step - 1) await monitor.getOperationCount();
  }
  const report = await monitor.generateReport();
  await monitor.shutdown();
  return report;
}

async function expectExactToOnePercent(values: readonly number[], collections: number): Promise<void> {
  const report = await reportFor(values, collections);
  expectValidReport(report);
  const op = report.operations[TYPE]!;
  const sorted = sortedCopy(values);
  expect(op.total).toBe(values.length);
  expect(op.duration.min).toBe(sorted[0]);
  expect(op.duration.max).toBe(sorted[sorted.length - 1]);
  expect(relativeError(op.duration.avg, values.reduce((a, b) => a + b, 0) / values.length)).toBeLessThan(1e-9);
  for (const [p, key] of [[50, 'p50'], [95, 'p95'], [99, 'p99']] as const) {
    const exact = exactPercentile(sorted, p);
    const err = relativeError(op.duration[key], exact);
    if (err > 0.01) throw new Error(`${key}: ${op.duration[key]} vs exact ${exact} (n=${values.length}): error ${err}`);
  }
}

describe('recordOperation -> generateReport against exact nearest rank', () => {
  it('arbitrary doubles between 1 µs and 1 h: p50/p95/p99 within 1 %', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: MIN_SECONDS, max: MAX_SECONDS, noNaN: true }), { minLength: 1, maxLength: 1500 }),
        fc.integer({ min: 1, max: 4 }),
        (values, collections) => expectExactToOnePercent(values, collections),
      ),
      { numRuns: 25 },
    );
  });

  it('uniform, lognormal, bimodal, Pareto and log-uniform data, 1 to 20k operations: p50/p95/p99 within 1 %', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...DISTRIBUTIONS),
        fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 20_000 })),
        fc.integer(),
        fc.integer({ min: 1, max: 5 }),
        (kind, n, seed, collections) => expectExactToOnePercent(sample(kind, n, seed), collections),
      ),
      { numRuns: 15 },
    );
  });

  it('every distribution at 20k operations', async () => {
    for (const kind of DISTRIBUTIONS) await expectExactToOnePercent(sample(kind, 20_000, 2026), 3);
  });

  it('counts and failures stay exact for any mix of outcomes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ ok: fc.boolean(), d: fc.double({ min: 0, max: 60, noNaN: true }) }), { maxLength: 300 }), async (ops) => {
        const monitor = newMonitor({ tracing: false });
        for (const { ok, d } of ops) monitor.recordOperation({ type: TYPE, durationSeconds: d, success: ok });
        const report = await monitor.generateReport();
        await monitor.shutdown();
        expectValidReport(report);
        const failed = ops.filter((o) => !o.ok).length;
        if (ops.length === 0) {
          expect(report.operations).toEqual({});
        } else {
          expect(report.operations[TYPE]).toMatchObject({ total: ops.length, failed, successful: ops.length - failed });
          expect(report.operations[TYPE]!.error_rate).toBeCloseTo(failed / ops.length, 12);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('memory stays bounded in the monitor path', () => {
  it('100k operations over the whole range: the reader keeps at most 2048 buckets per series', async () => {
    const monitor = newMonitor({ tracing: false, memoryTracking: false });
    const values = sample('log-uniform', 100_000, 99);
    for (let i = 0; i < values.length; i++) {
      monitor.recordOperation({ type: i % 2 ? TYPE : OperationType.LLM_INFERENCE, durationSeconds: values[i]! });
      if (i % 25_000 === 24_999) await monitor.getOperationCount();
    }
    expect(await monitor.getOperationCount()).toBe(100_000);
    for (const windowSeconds of [undefined, monitor.windowSeconds]) {
      const aggregates = monitor.percentileReader.aggregates(windowSeconds);
      expect(aggregates.size).toBe(2);
      for (const agg of aggregates.values()) {
        expect(agg.duration.bucketCount).toBeLessThanOrEqual(2048);
        expect(agg.duration.bucketCount).toBeGreaterThan(1000);
        expect(agg.timeToFirstToken.bucketCount).toBe(0);
      }
    }
    const report = await monitor.generateReport();
    expect(report.total_operations).toBe(100_000);
  });
});
