import type { Attributes, AttributeValue } from '@opentelemetry/api';

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
/** The key of an array value never added: no node has it. */
const UNSEEN = Object.freeze({});

/** A node of the table's trie: the set ending here, and the nodes one more label deeper. */
interface Node {
  attrs: Attributes | undefined;
  /** By label name, then by label value. */
  next: Map<string, Map<unknown, Node>> | undefined;
}

export class SeriesTable {
  /**
   * By base set, a trie over the labels' names and values, in their order: a lookup is a few
   * Map reads with no key to build (labels come from one list of names, always in its order).
   */
  private readonly byBase = new Map<Attributes, Node>();
  private pairs = 0;
  /** Array label values by content: one key object each, never equal to a primitive value. */
  private readonly arrayKeys = new Map<string, object>();

  constructor(
    private readonly limit: number,
    private readonly reserved: () => number,
  ) {}

  /** The set for `base` + `labels`, or undefined when the table is full and the pair is new. */
  get(base: Attributes, labels: Attributes): Attributes | undefined {
    let node = this.byBase.get(base);
    for (const name in labels) {
      if (node === undefined) break;
      node = node.next?.get(name)?.get(this.valueKey(labels[name], false));
    }
    if (node?.attrs !== undefined) return node.attrs;
    // New: nothing is added for a pair refused, so a flood of new values past the limit costs no memory.
    if (this.pairs + this.reserved() >= this.limit - 1) return undefined;
    let at: Node | undefined = this.byBase.get(base);
    if (at === undefined) this.byBase.set(base, (at = { attrs: undefined, next: undefined }));
    for (const name in labels) {
      const value = this.valueKey(labels[name], true);
      let byValue: Map<unknown, Node> | undefined = at.next?.get(name);
      if (byValue === undefined) (at.next ??= new Map()).set(name, (byValue = new Map()));
      let child: Node | undefined = byValue.get(value);
      if (child === undefined) byValue.set(value, (child = { attrs: undefined, next: undefined }));
      at = child;
    }
    at.attrs = Object.freeze({ ...base, ...labels });
    this.pairs++;
    return at.attrs;
  }

  /** `value` as a Map key: a primitive as it is, an array by its contents (a new key only when `add`). */
  private valueKey(value: AttributeValue | undefined, add: boolean): unknown {
    if (!Array.isArray(value)) return value;
    const json = JSON.stringify(value);
    let key = this.arrayKeys.get(json);
    if (key === undefined) {
      if (!add) return UNSEEN;
      this.arrayKeys.set(json, (key = {}));
    }
    return key;
  }

  /** Labelled series so far. */
  get size(): number {
    return this.pairs;
  }
}
