/**
 * Percentile accuracy: p50/p95/p99 relative error against the exact (sorted) percentiles of
 * 1e6 durations from three distributions, for ragmeter's report and for the naive design of
 * the seed report (percentiles over the last 1000 values only).
 */
import { PerformanceMonitor } from '@ragmeter/sdk';
import {
  exactQuantile,
  formatCount,
  formatPercent,
  lognormal,
  runBenchmark,
  seededRandom,
  spread,
  type Check,
} from './harness.js';

const TARGET = 0.01;
const WINDOW = 1000;
const QUANTILES = [0.5, 0.95, 0.99] as const;

/** Durations in seconds, deterministic. */
const DISTRIBUTIONS: Record<string, { description: string; make(n: number): Float64Array }> = {
  lognormal: {
    description: 'lognormal, median 50 ms, sigma 1',
    make(n) {
      const next = lognormal(seededRandom(11), 0.05, 1);
      return Float64Array.from({ length: n }, next);
    },
  },
  bimodal: {
    description: '70 % around 20 ms (cache hits), 30 % around 1.2 s (LLM calls)',
    make(n) {
      const random = seededRandom(12);
      const fast = lognormal(random, 0.02, 0.2);
      const slow = lognormal(random, 1.2, 0.3);
      return Float64Array.from({ length: n }, () => (random() < 0.7 ? fast() : slow()));
    },
  },
  uniform: {
    description: 'uniform, 1 ms to 2 s',
    make(n) {
      const random = seededRandom(13);
      return Float64Array.from({ length: n }, () => 0.001 + random() * 1.999);
    },
  },
};

const relativeError = (estimate: number, exact: number) => Math.abs(estimate - exact) / exact;
const formatSeconds = (s: number) => (s >= 1 ? `${s.toFixed(4)} s` : `${(s * 1000).toFixed(3)} ms`);

runBenchmark('accuracy', 'Percentile accuracy', async ({ quick }) => {
  const n = quick ? 200_000 : 1_000_000;
  const monitor = new PerformanceMonitor({ tracing: false, memoryTracking: false });
  const rows: string[][] = [];
  const checks: Check[] = [];
  const data: Record<string, unknown> = {};
  let worst = 0;

  for (const [name, distribution] of Object.entries(DISTRIBUTIONS)) {
    const values = distribution.make(n);
    for (const v of values) monitor.recordOperation({ type: name, durationSeconds: v });
    const sorted = Float64Array.from(values).sort();
    const last = Float64Array.from(values.subarray(n - WINDOW)).sort();
    // Every disjoint window of 1000: how far the naive design's answer wanders over time.
    const windows = Array.from({ length: Math.floor(n / WINDOW) }, (_, w) =>
      Float64Array.from(values.subarray(w * WINDOW, (w + 1) * WINDOW)).sort(),
    );
    const report = (await monitor.generateReport()).operations[name]!;
    if (report.total !== n) throw new Error(`${name}: report counted ${report.total} of ${n} values`);
    const reported: Record<number, number> = { 0.5: report.duration.p50, 0.95: report.duration.p95, 0.99: report.duration.p99 };
    const perQuantile: Record<string, unknown> = {};
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q);
      const ours = relativeError(reported[q]!, exact);
      const naive = relativeError(exactQuantile(last, q), exact);
      const across = spread(windows.map((w) => relativeError(exactQuantile(w, q), exact)));
      worst = Math.max(worst, ours);
      const label = `p${Math.round(q * 100)}`;
      perQuantile[label] = { exact, ragmeter: reported[q], ragmeterError: ours, lastWindow: exactQuantile(last, q), lastWindowError: naive, windowErrors: across };
      rows.push([
        q === 0.5 ? name : '',
        label,
        formatSeconds(exact),
        formatSeconds(reported[q]!),
        formatPercent(ours),
        formatPercent(naive),
        `${formatPercent(across.median)} / ${formatPercent(across.max)}`,
      ]);
    }
    data[name] = { description: distribution.description, values: n, quantiles: perQuantile };
  }
  checks.push({
    target: 'ragmeter p50/p95/p99 within 1 % of exact',
    measured: `worst ${formatPercent(worst)} over 3 distributions × 3 percentiles`,
    met: worst <= TARGET,
  });
  await monitor.shutdown();
  return {
    tables: [
      {
        title: `Relative error vs exact percentiles of ${formatCount(n)} values`,
        columns: ['distribution', 'q', 'exact', 'ragmeter', 'ragmeter error', 'last-1000 error', `1000-value windows: median / max error`],
        rows,
      },
    ],
    checks,
    notes: [
      ...(quick ? [`--quick: ${formatCount(n)} values per distribution instead of 1e6.`] : []),
      ...Object.entries(DISTRIBUTIONS).map(([name, d]) => `${name}: ${d.description}.`),
      'Exact and window percentiles use the nearest-rank definition, like the report. The last column is the error of ' +
        'the naive design over every disjoint window of 1000 values: what its answer would have been at other moments.',
    ],
    data,
  };
});
