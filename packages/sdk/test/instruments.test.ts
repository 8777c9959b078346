import {
  DURATION_BUCKETS_SECONDS,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  INSTRUMENTS,
  METRIC_GEN_AI_DURATION,
  METRIC_GEN_AI_TOKENS,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_TOKENS,
  TOKEN_BUCKETS,
} from '../src/instruments.js';

const ratios = (b: readonly number[]): number[] => b.slice(1).map((x, i) => x / b[i]!);

describe('instrument table', () => {
  it('duration buckets: powers of 2 from ~1 ms, the GenAI set extended below 10 ms', () => {
    expect(DURATION_BUCKETS_SECONDS[0]).toBeCloseTo(0.00125, 12);
    for (const r of ratios(DURATION_BUCKETS_SECONDS)) expect(r).toBeCloseTo(2, 12);
    // every GenAI semantic-convention boundary (0.01 s .. 81.92 s) is one of ours
    for (const b of GEN_AI_DURATION_BUCKETS_SECONDS) {
      expect(DURATION_BUCKETS_SECONDS.some((d) => Math.abs(d - b) < 1e-12)).toBe(true);
    }
    expect(GEN_AI_DURATION_BUCKETS_SECONDS[0]).toBe(0.01);
    expect(GEN_AI_DURATION_BUCKETS_SECONDS[GEN_AI_DURATION_BUCKETS_SECONDS.length - 1]).toBeCloseTo(81.92, 10);
  });

  it('token buckets: 4^k from 1 to 67108864', () => {
    expect(TOKEN_BUCKETS[0]).toBe(1);
    expect(TOKEN_BUCKETS[TOKEN_BUCKETS.length - 1]).toBe(67108864);
    for (const r of ratios(TOKEN_BUCKETS)) expect(r).toBe(4);
  });

  it('names, kinds and units as documented', () => {
    const byName = Object.fromEntries(INSTRUMENTS.map((i) => [i.name, i]));
    expect(new Set(INSTRUMENTS.map((i) => i.name)).size).toBe(INSTRUMENTS.length);
    expect(byName[METRIC_OPERATION_DURATION]).toMatchObject({ kind: 'histogram', unit: 's' });
    expect(byName[METRIC_OPERATION_TOKENS]).toMatchObject({ kind: 'histogram', unit: '{token}' });
    // memory deltas can be negative, which histograms would drop
    expect(byName[METRIC_OPERATION_MEMORY_DELTA]).toMatchObject({ kind: 'updowncounter', unit: 'By' });
    expect(byName[METRIC_GEN_AI_DURATION]).toMatchObject({ kind: 'histogram', unit: 's' });
    expect(byName[METRIC_GEN_AI_TOKENS]).toMatchObject({ kind: 'histogram', unit: '{token}' });
    for (const i of INSTRUMENTS) expect(i.description.length).toBeGreaterThan(10);
  });
});
