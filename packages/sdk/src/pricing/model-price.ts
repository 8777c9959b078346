/** The price of one model, USD per million tokens. */
export interface ModelPrice {
  /** Input (prompt) tokens. */
  inputPerMillionTokens: number;
  /** Output (completion) tokens; 0 for embedding models. */
  outputPerMillionTokens: number;
  /** Input tokens read from the provider's prompt cache; default: the input price. */
  cachedInputPerMillionTokens?: number;
  /**
   * Input tokens written to the provider's prompt cache (Anthropic charges 1.25x the input price
   * for a 5-minute cache); default: the input price.
   */
  cacheWriteInputPerMillionTokens?: number;
}

/** Prices by model name (`pricing` option, RAGMETER_PRICING_FILE): `{ [model]: ModelPrice }`. */
export type PricingTable = Record<string, ModelPrice>;
