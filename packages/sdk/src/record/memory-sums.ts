import type { Attributes, ObservableResult } from '@opentelemetry/api';

interface Sum {
  readonly attributes: Attributes;
  bytes: number;
}

const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/**
 * Memory deltas summed per attribute set and observed at collection by an
 * ObservableUpDownCounter (which, unlike a histogram, keeps negative values). A synchronous
 * add() per operation would hash the attributes on every operation, once per reader (~0.6 µs
 * each); here the cached base attributes (per type and error type) are the first key and the
 * metric labels, as JSON, the second. At most `limit` series; past it, like OTel's cardinality
 * limit, the overflow series.
 */
export class MemorySums {
  private readonly sums = new Map<Attributes, Map<string, Sum>>();
  private series = 0;

  constructor(private readonly limit: number) {}

  /** Adds `bytes` to the series of `attrs` (= `base` + `labels`). */
  add(base: Attributes, labels: Attributes | undefined, attrs: Attributes, bytes: number): void {
    const key = labels === undefined ? '' : JSON.stringify(labels);
    const sum = this.sums.get(base)?.get(key) ?? this.create(base, key, attrs);
    sum.bytes += bytes;
  }

  /** The ObservableUpDownCounter callback. */
  observe(result: ObservableResult): void {
    for (const byLabels of this.sums.values()) {
      for (const sum of byLabels.values()) result.observe(sum.bytes, sum.attributes);
    }
  }

  private create(base: Attributes, key: string, attrs: Attributes): Sum {
    const overflow = this.series >= this.limit;
    const outer = overflow ? OVERFLOW : base;
    const inner = overflow ? '' : key;
    let byLabels = this.sums.get(outer);
    if (byLabels === undefined) this.sums.set(outer, (byLabels = new Map()));
    let sum = byLabels.get(inner);
    if (sum === undefined) {
      byLabels.set(inner, (sum = { attributes: overflow ? OVERFLOW : attrs, bytes: 0 }));
      this.series++;
    }
    return sum;
  }
}
