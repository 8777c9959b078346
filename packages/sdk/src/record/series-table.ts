import type { Attributes } from '@opentelemetry/api';

/**
 * The attribute sets one family of instruments records with: a base set (operation type, and
 * error or token type), plus user labels from `metricAttributes`. Each (base, labels) pair is
 * built once and reused, so a record allocates nothing and a memory sum can be keyed by the
 * set itself.
 *
 * Bounded for good: when `limit` series exist (the labelled pairs plus the `reserved()` base
 * sets, and one slot OTel keeps for its own overflow series), a new pair is refused and the
 * caller records under the base set — the operation still counts under its type, only its
 * labels are lost. OTel's own overflow, which drops the type too, is never reached.
 */
export class SeriesTable {
  private readonly byBase = new Map<Attributes, Map<string, Attributes>>();
  private pairs = 0;

  constructor(
    private readonly limit: number,
    private readonly reserved: () => number,
  ) {}

  /** The set for `base` + `labels`, or undefined when the table is full and the pair is new. */
  get(base: Attributes, labels: Attributes): Attributes | undefined {
    const key = JSON.stringify(labels);
    let byLabels = this.byBase.get(base);
    const known = byLabels?.get(key);
    if (known !== undefined) return known;
    if (this.pairs + this.reserved() >= this.limit - 1) return undefined;
    if (byLabels === undefined) this.byBase.set(base, (byLabels = new Map()));
    const attrs = Object.freeze({ ...base, ...labels });
    byLabels.set(key, attrs);
    this.pairs++;
    return attrs;
  }

  /** Labelled series so far. */
  get size(): number {
    return this.pairs;
  }
}
