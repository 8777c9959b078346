import type { Attributes, ObservableResult } from '@opentelemetry/api';

/**
 * Memory deltas summed per attribute set and observed at collection by an
 * ObservableUpDownCounter (which, unlike a histogram, keeps negative values). A synchronous
 * add() per operation would hash the attributes on every operation, once per reader (~0.6 µs
 * each). Keyed by the set itself: the recorder reuses one frozen set per series (SeriesTable),
 * so the number of sums is bounded by the cardinality limit like every other instrument.
 */
export class MemorySums {
  private readonly sums = new Map<Attributes, number>();

  /** Adds `bytes` to the sum of `attrs`. */
  add(attrs: Attributes, bytes: number): void {
    this.sums.set(attrs, (this.sums.get(attrs) ?? 0) + bytes);
  }

  /** The ObservableUpDownCounter callback. */
  observe(result: ObservableResult): void {
    for (const [attrs, bytes] of this.sums) result.observe(bytes, attrs);
  }
}
