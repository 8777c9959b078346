/** The price of one model, USD per million tokens. */
export interface ModelPrice {
  /** Input (prompt) tokens. */
  inputPerMillionTokens: number;
  /** Output (completion) tokens; 0 for embedding models. */
  outputPerMillionTokens: number;
  /** Input tokens read from the provider's prompt cache; default: the input price. */
  cachedInputPerMillionTokens?: number;
}

/** Prices by model name (`pricing` option, RAGMETER_PRICING_FILE): `{ [model]: ModelPrice }`. */
export type PricingTable = Record<string, ModelPrice>;
