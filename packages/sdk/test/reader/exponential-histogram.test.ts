import fc from 'fast-check';
import {
  DEFAULT_MAX_SCALE,
  DEFAULT_MAX_SIZE,
  ExponentialHistogram,
  nearestRank,
  relativeErrorBound,
} from '../../src/reader/exponential-histogram.js';
import {
  DISTRIBUTIONS,
  MAX_SECONDS,
  MIN_SECONDS,
  exactPercentile,
  relativeError,
  sample,
  sortedCopy,
} from '../helpers/nearest-rank.js';

const PERCENTILES = [50, 95, 99] as const;

function histogramOf(values: readonly number[], maxSize?: number, maxScale?: number): ExponentialHistogram {
  const h = new ExponentialHistogram(maxSize, maxScale);
  for (const v of values) h.record(v);
  return h;
}

describe('nearestRank', () => {
  it('is ceil(q * n), clamped to 1..n', () => {
    expect(nearestRank(0.5, 100)).toBe(50);
    expect(nearestRank(0.95, 100)).toBe(95); // 0.95 * 100 = 95.00000000000001 in floating point
    expect(nearestRank(0.99, 100)).toBe(99);
    expect(nearestRank(0.5, 101)).toBe(51);
    expect(nearestRank(0.99, 1)).toBe(1);
    expect(nearestRank(1, 7)).toBe(7);
    expect(nearestRank(0.0001, 7)).toBe(1);
  });

  it('agrees with integer nearest rank for every n up to 5000', () => {
    const mismatches: string[] = [];
    for (let n = 1; n <= 5000; n++) {
      for (const p of PERCENTILES) {
        const exact = Math.floor((p * n + 99) / 100);
        if (nearestRank(p / 100, n) !== exact) mismatches.push(`p${p} n=${n}: ${nearestRank(p / 100, n)} != ${exact}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('relativeErrorBound', () => {
  it('is 2^(2^-s / 2) - 1', () => {
    expect(relativeErrorBound(0)).toBeCloseTo(Math.SQRT2 - 1, 12);
    expect(relativeErrorBound(6)).toBeCloseTo(2 ** (1 / 128) - 1, 12);
    expect(relativeErrorBound(DEFAULT_MAX_SCALE)).toBeLessThan(0.0055);
    expect(relativeErrorBound(5)).toBeGreaterThan(relativeErrorBound(6));
  });
});

describe('ExponentialHistogram', () => {
  it('is empty at first: quantiles 0, no buckets', () => {
    const h = new ExponentialHistogram();
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.bucketCount).toBe(0);
    expect(h.maxSize).toBe(DEFAULT_MAX_SIZE);
  });

  it('returns the exact value for a single recording (clamped to min/max)', () => {
    for (const v of [MIN_SECONDS, 0.0123, 1, 7.5, MAX_SECONDS]) {
      const h = histogramOf([v]);
      for (const q of [0.01, 0.5, 0.99, 1]) expect(h.quantile(q)).toBe(v);
      expect(h.min).toBe(v);
      expect(h.max).toBe(v);
      expect(h.sum).toBe(v);
    }
  });

  it('gives nearest-rank percentiles of 1..100 within the documented error', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const h = histogramOf(values.slice().reverse());
    const bound = relativeErrorBound(h.scale);
    expect(h.count).toBe(100);
    expect(h.sum).toBe(5050);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100);
    // nearest rank over 1..100: p-th percentile is the value p itself
    for (const p of [1, 10, 25, 50, 75, 90, 95, 99]) {
      expect(relativeError(h.quantile(p / 100), p)).toBeLessThanOrEqual(bound);
    }
    expect(h.quantile(1)).toBe(100);
  });

  it('counts zeros in the zero bucket', () => {
    const h = histogramOf([0, 0, 0, 2, 4]);
    expect(h.zeroCount).toBe(3);
    expect(h.count).toBe(5);
    expect(h.quantile(0.6)).toBe(0); // rank 3 is the last zero
    expect(relativeError(h.quantile(0.8), 2)).toBeLessThanOrEqual(relativeErrorBound(h.scale));
    expect(relativeError(h.quantile(1), 4)).toBeLessThanOrEqual(relativeErrorBound(h.scale));
  });

  it('keeps scale 6 across the whole 1 µs .. 1 h range (2034 buckets fit in 2048)', () => {
    const h = histogramOf([MIN_SECONDS, MAX_SECONDS]);
    expect(h.scale).toBe(DEFAULT_MAX_SCALE);
    expect(h.bucketCount).toBeLessThanOrEqual(DEFAULT_MAX_SIZE);
    expect(h.bucketCount).toBeGreaterThan(2000);
  });

  it('lowers the scale (merging neighbours) when the range needs more buckets than maxSize', () => {
    const h = histogramOf([1, 2 ** 10], 64, 6); // 10 octaves need 640 buckets at scale 6
    expect(h.scale).toBeLessThan(6);
    expect(h.bucketCount).toBeLessThanOrEqual(64);
    // 1 sits in bucket -1 at every scale, 1024 = 2^10 in bucket 10 * 2^s - 1: scale 2 needs 41
    // buckets, scale 3 would need 81
    expect(h.scale).toBe(2);
    expect(h.quantile(0.5)).toBe(1); // the bucket's midpoint is below 1, clamped to min
    expect(relativeError(h.quantile(1), 1024)).toBeLessThanOrEqual(relativeErrorBound(2));
    expect(relativeError(h.quantile(1), 1024)).toBeGreaterThan(relativeErrorBound(3)); // coarser than scale 3
  });

  it('merges OTel data points given at a finer scale', () => {
    const h = new ExponentialHistogram();
    // scale 8: bucket i = (2^(i/256), 2^((i+1)/256)]; index 256 holds values just above 2
    h.mergePoint({ count: 3, sum: 6.03, min: 2.005, max: 2.02, zeroCount: 0, scale: 8, positive: { offset: 256, bucketCounts: [1, 1, 1] } });
    expect(h.scale).toBe(6);
    expect(h.count).toBe(3);
    expect(h.bucketCount).toBe(1); // three scale-8 buckets fall in one scale-6 bucket
    expect(h.min).toBe(2.005);
    expect(h.max).toBe(2.02);
    expect(relativeError(h.quantile(0.5), 2.01)).toBeLessThanOrEqual(relativeErrorBound(6) * 2);
  });

  it('ignores empty merges', () => {
    const h = histogramOf([1, 2, 3]);
    h.merge(new ExponentialHistogram());
    h.mergePoint({ count: 0, zeroCount: 0, scale: 6, positive: { offset: 0, bucketCounts: [] } });
    expect(h.count).toBe(3);
    expect(h.min).toBe(1);
    expect(h.max).toBe(3);
  });

  it('stays bounded after hundreds of thousands of recordings spread over the whole range', () => {
    const h = new ExponentialHistogram();
    const ratio = MAX_SECONDS / MIN_SECONDS;
    let x = 0.5;
    for (let i = 0; i < 300_000; i++) {
      x = (x + 0.6180339887498949) % 1; // low-discrepancy walk over [0, 1)
      h.record(MIN_SECONDS * ratio ** x);
    }
    expect(h.count).toBe(300_000);
    expect(h.bucketCount).toBeLessThanOrEqual(2048);
    expect(h.bucketCount).toBeGreaterThan(1000); // the bound is actually exercised
    expect(h.scale).toBe(DEFAULT_MAX_SCALE);
  });
});

describe('ExponentialHistogram properties', () => {
  const arbitraryDurations = fc.array(fc.double({ min: MIN_SECONDS, max: MAX_SECONDS, noNaN: true }), {
    minLength: 1,
    maxLength: 2000,
  });

  function expectWithinOnePercent(h: ExponentialHistogram, values: readonly number[]): void {
    const sorted = sortedCopy(values);
    for (const p of PERCENTILES) {
      const exact = exactPercentile(sorted, p);
      const err = relativeError(h.quantile(p / 100), exact);
      if (err > 0.01) throw new Error(`p${p}: ${h.quantile(p / 100)} vs exact ${exact} (n=${values.length}), error ${err}`);
    }
  }

  it('p50/p95/p99 within 1 % of exact nearest rank for arbitrary doubles in 1 µs .. 1 h', () => {
    fc.assert(
      fc.property(arbitraryDurations, (values) => {
        const h = histogramOf(values);
        expect(h.scale).toBe(DEFAULT_MAX_SCALE);
        expectWithinOnePercent(h, values);
      }),
      { numRuns: 60 },
    );
  });

  it('p50/p95/p99 within 1 % for uniform, lognormal, bimodal, Pareto and log-uniform data, 1 to 20k values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DISTRIBUTIONS),
        fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20_000 })),
        fc.integer(),
        (kind, n, seed) => {
          const values = sample(kind, n, seed);
          const h = histogramOf(values);
          expect(h.count).toBe(n);
          expect(h.min).toBe(values.reduce((a, b) => Math.min(a, b)));
          expect(h.max).toBe(values.reduce((a, b) => Math.max(a, b)));
          expectWithinOnePercent(h, values);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('never holds more than maxSize buckets and stays within the error bound of the scale it ends at', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.double({ min: 1e-9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 500 }),
        (maxSize, maxScale, values) => {
          const h = histogramOf(values, maxSize, maxScale);
          expect(h.bucketCount).toBeLessThanOrEqual(maxSize);
          expect(h.scale).toBeLessThanOrEqual(maxScale);
          const sorted = sortedCopy(values);
          const bound = relativeErrorBound(h.scale) * (1 + 1e-9);
          for (const p of PERCENTILES) {
            expect(relativeError(h.quantile(p / 100), exactPercentile(sorted, p))).toBeLessThanOrEqual(bound);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('merge(a, b) equals recording all values into one histogram', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 2048 }),
        fc.array(fc.double({ min: 1e-7, max: 1e5, noNaN: true }), { maxLength: 400 }),
        fc.array(fc.double({ min: 1e-7, max: 1e5, noNaN: true }), { maxLength: 400 }),
        (maxSize, a, b) => {
          const merged = histogramOf(a, maxSize);
          merged.merge(histogramOf(b, maxSize));
          const whole = histogramOf([...a, ...b], maxSize);
          expect(merged.count).toBe(whole.count);
          expect(merged.scale).toBe(whole.scale);
          expect(merged.bucketCount).toBe(whole.bucketCount);
          expect(merged.min).toBe(whole.min);
          expect(merged.max).toBe(whole.max);
          expect(merged.sum).toBeCloseTo(whole.sum, 6);
          for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1]) expect(merged.quantile(q)).toBe(whole.quantile(q));
        },
      ),
      { numRuns: 150 },
    );
  });
});
