import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
/**
 * Exact percentiles for checking the SDK's estimates, written independently of the SDK:
 * nearest rank with integer arithmetic, rank = ceil(p * n / 100) for a percentile p in 1..100.
 */
export function exactPercentile(sortedAscending: readonly number[], percentile: number): number {
  const n = sortedAscending.length;
  if (n === 0) throw new Error('no values');
  const rank = Math.max(1, Math.floor((percentile * n + 99) / 100));
  return sortedAscending[rank - 1]!;
}

export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort());
}

export function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

/** Deterministic uniform [0, 1) (pure-rand's Mersenne Twister), so data sets are reproducible from a seed. */
export function prng(seed: number): () => number {
  const generator = mersenne(seed);
  return () => uniformFloat64(generator);
}

export type Distribution = 'uniform' | 'lognormal' | 'bimodal' | 'pareto' | 'log-uniform';
export const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'lognormal', 'bimodal', 'pareto', 'log-uniform'];

/** The range the design promises 1 % accuracy for: 1 µs .. 1 h. */
export const MIN_SECONDS = 1e-6;
export const MAX_SECONDS = 3600;

const clamp = (x: number): number => Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, x));

/** `n` durations (seconds, within 1 µs .. 1 h) drawn from `kind`, reproducible from `seed`. */
export function sample(kind: Distribution, n: number, seed: number): number[] {
  const rand = prng(seed);
  const u = (): number => {
    const x = rand();
    return x === 0 ? 1e-12 : x;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * rand());
  // Parameters vary with the seed too, so each run tries a different shape.
  const p = prng(seed ^ 0x5bd1e995);
  const out = new Array<number>(n);
  switch (kind) {
    case 'uniform': {
      const lo = 10 ** (-6 + p() * 8); // 1 µs .. 100 s
      const hi = Math.min(MAX_SECONDS, lo * (1 + p() * 1000));
      for (let i = 0; i < n; i++) out[i] = clamp(lo + (hi - lo) * rand());
      break;
    }
    case 'lognormal': {
      const mu = Math.log(10 ** (-5 + p() * 7)); // median 10 µs .. 100 s
      const sigma = 0.1 + p() * 3;
      for (let i = 0; i < n; i++) out[i] = clamp(Math.exp(mu + sigma * normal()));
      break;
    }
    case 'bimodal': {
      const a = 10 ** (-5 + p() * 2); // 10 µs .. 1 ms
      const b = 10 ** (1 + p() * 2); // 10 s .. 1000 s
      const share = 0.05 + p() * 0.9;
      for (let i = 0; i < n; i++) {
        const centre = rand() < share ? a : b;
        out[i] = clamp(centre * Math.exp(0.2 * normal()));
      }
      break;
    }
    case 'pareto': {
      const scale = 10 ** (-6 + p() * 4); // 1 µs .. 10 ms
      const alpha = 0.3 + p() * 2.5; // heavy tail
      for (let i = 0; i < n; i++) out[i] = clamp(scale / u() ** (1 / alpha));
      break;
    }
    case 'log-uniform':
      for (let i = 0; i < n; i++) out[i] = clamp(MIN_SECONDS * (MAX_SECONDS / MIN_SECONDS) ** rand());
      break;
  }
  return out;
}
