import type { ModelPrice, PricingTable } from './model-price.js';
import { BUNDLED_PRICES } from './price-table.js';

export type { ModelPrice, PricingTable } from './model-price.js';

/** A model name resolved to an entry of the table. */
export interface ResolvedPrice {
  /** The table key that priced it: the model's family for dated names (`gpt-4o`). */
  readonly key: string;
  readonly price: ModelPrice;
}

/** Models remembered by resolve(); past this, lookups are answered without being cached. */
const MAX_CACHED_MODELS = 1024;

/** After a family name: a separator, then a date or version number, `latest` or `preview`. */
const DATED_SUFFIX = /^[-@:](?:\d|latest(?:$|[-@:])|preview(?:$|[-@:]))/;

/**
 * The bundled table with `overrides` over it, and the lookup of a model name. Resolution:
 * 1. an entry with exactly the model's name;
 * 2. else the longest entry name that the model starts with, followed by `-`, `@` or `:` and a
 *    date or version (a digit), `latest` or `preview`: `gpt-4o-2024-08-06` → `gpt-4o`,
 *    `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`, `mistral-large-latest` →
 *    `mistral-large`; `gpt-4o-mini` is never priced as `gpt-4o`;
 * 3. else the same for the part after the last `/` (`openai/gpt-4o`, `models/gemini-2.5-pro`).
 * No match: unpriced.
 */
export class PriceBook {
  private readonly table: ReadonlyMap<string, ModelPrice>;
  private readonly cache = new Map<string, ResolvedPrice | null>();

  constructor(overrides: PricingTable = {}, bundled: Readonly<PricingTable> = BUNDLED_PRICES) {
    this.table = new Map([...Object.entries(bundled), ...Object.entries(overrides)]);
  }

  /** The entry pricing `model`, or undefined when none does. */
  resolve(model: string): ResolvedPrice | undefined {
    const known = this.cache.get(model);
    if (known !== undefined) return known ?? undefined;
    let found = this.lookup(model);
    const slash = model.lastIndexOf('/');
    if (found === undefined && slash >= 0) found = this.lookup(model.slice(slash + 1));
    if (this.cache.size < MAX_CACHED_MODELS) this.cache.set(model, found ?? null);
    return found;
  }

  private lookup(model: string): ResolvedPrice | undefined {
    const exact = this.table.get(model);
    if (exact !== undefined) return { key: model, price: exact };
    let best: string | undefined;
    for (const key of this.table.keys()) {
      if (key.length >= model.length || (best !== undefined && key.length <= best.length)) continue;
      if (model.startsWith(key) && DATED_SUFFIX.test(model.slice(key.length))) best = key;
    }
    return best === undefined ? undefined : { key: best, price: this.table.get(best)! };
  }
}

/**
 * USD of one operation. Cache reads and cache writes are part of the input tokens (as OpenAI,
 * LangChain and the AI SDK report them) and priced at their own rates when the model has them,
 * else at the input rate; together they never count for more than the input. Tokens known only
 * as a total (no input/output split) are priced as input, which is right for embeddings.
 */
export function costUsd(
  price: ModelPrice,
  input: number | undefined,
  output: number | undefined,
  other: number | undefined,
  cacheRead: number | undefined,
  cacheWrite: number | undefined,
): number {
  const inputRate = price.inputPerMillionTokens;
  const inputTokens = (input ?? 0) + (other ?? 0);
  const read = Math.min(cacheRead ?? 0, inputTokens);
  const written = Math.min(cacheWrite ?? 0, inputTokens - read);
  const readRate = price.cachedInputPerMillionTokens ?? inputRate;
  const writeRate = price.cacheWriteInputPerMillionTokens ?? inputRate;
  const plain = inputTokens - read - written;
  return (plain * inputRate + read * readRate + written * writeRate + (output ?? 0) * price.outputPerMillionTokens) / 1e6;
}
