import type { ModelPrice } from './model-price.js';

/**
 * The bundled price table: USD per million tokens, standard (pay-as-you-go, non-batch) rates.
 *
 * As of 2025-11, from the providers' public pricing pages:
 * - OpenAI: https://platform.openai.com/docs/pricing
 * - Anthropic: https://docs.anthropic.com/en/docs/about-claude/pricing (cached input = cache reads;
 *   cache writes = 5-minute cache writes, 1.25x the input price)
 * - Google (Gemini API, paid tier, prompts up to 200k tokens): https://ai.google.dev/gemini-api/docs/pricing
 * - Mistral: https://mistral.ai/pricing#api-pricing
 * - Cohere: https://cohere.com/pricing
 *
 * Prices change; an entry of the `pricing` option or of RAGMETER_PRICING_FILE replaces the one
 * here with the same name. Keys are model families: dated or versioned names fall back to them
 * (see resolveModel in prices.ts). Embedding models have an output price of 0.
 */
export const PRICES_AS_OF = '2025-11';

const p = (input: number, output: number, cachedInput?: number): ModelPrice =>
  cachedInput === undefined
    ? { inputPerMillionTokens: input, outputPerMillionTokens: output }
    : { inputPerMillionTokens: input, outputPerMillionTokens: output, cachedInputPerMillionTokens: cachedInput };

/** With a cache-write price (Anthropic: 5-minute cache writes). */
const w = (input: number, output: number, cachedInput: number, cacheWrite: number): ModelPrice => ({
  inputPerMillionTokens: input,
  outputPerMillionTokens: output,
  cachedInputPerMillionTokens: cachedInput,
  cacheWriteInputPerMillionTokens: cacheWrite,
});

export const BUNDLED_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // ---- OpenAI: chat -------------------------------------------------------------------------
  'gpt-5': p(1.25, 10, 0.125),
  'gpt-5-mini': p(0.25, 2, 0.025),
  'gpt-5-nano': p(0.05, 0.4, 0.005),
  'gpt-5-chat-latest': p(1.25, 10, 0.125),
  'gpt-4.1': p(2, 8, 0.5),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1),
  'gpt-4.1-nano': p(0.1, 0.4, 0.025),
  'gpt-4o': p(2.5, 10, 1.25),
  'gpt-4o-mini': p(0.15, 0.6, 0.075),
  'chatgpt-4o-latest': p(5, 15),
  'o1': p(15, 60, 7.5),
  'o1-mini': p(1.1, 4.4, 0.55),
  'o3': p(2, 8, 0.5),
  'o3-mini': p(1.1, 4.4, 0.55),
  'o4-mini': p(1.1, 4.4, 0.275),
  'gpt-4-turbo': p(10, 30),
  'gpt-4': p(30, 60),
  'gpt-3.5-turbo': p(0.5, 1.5),
  // ---- OpenAI: embeddings -------------------------------------------------------------------
  'text-embedding-3-small': p(0.02, 0),
  'text-embedding-3-large': p(0.13, 0),
  'text-embedding-ada-002': p(0.1, 0),

  // ---- Anthropic ----------------------------------------------------------------------------
  'claude-opus-4-5': w(5, 25, 0.5, 6.25),
  'claude-opus-4-1': w(15, 75, 1.5, 18.75),
  'claude-opus-4': w(15, 75, 1.5, 18.75),
  'claude-sonnet-4-5': w(3, 15, 0.3, 3.75),
  'claude-sonnet-4': w(3, 15, 0.3, 3.75),
  'claude-haiku-4-5': w(1, 5, 0.1, 1.25),
  'claude-3-7-sonnet': w(3, 15, 0.3, 3.75),
  'claude-3-5-sonnet': w(3, 15, 0.3, 3.75),
  'claude-3-5-haiku': w(0.8, 4, 0.08, 1),
  'claude-3-opus': w(15, 75, 1.5, 18.75),
  'claude-3-haiku': w(0.25, 1.25, 0.03, 0.3),

  // ---- Google Gemini API ----------------------------------------------------------------------
  'gemini-2.5-pro': p(1.25, 10, 0.31),
  'gemini-2.5-flash': p(0.3, 2.5, 0.075),
  'gemini-2.5-flash-lite': p(0.1, 0.4, 0.025),
  'gemini-2.0-flash': p(0.1, 0.4, 0.025),
  'gemini-2.0-flash-lite': p(0.075, 0.3),
  'gemini-1.5-pro': p(1.25, 5),
  'gemini-1.5-flash': p(0.075, 0.3),
  'gemini-embedding-001': p(0.15, 0),

  // ---- Mistral -------------------------------------------------------------------------------
  'mistral-large': p(2, 6),
  'mistral-medium': p(0.4, 2),
  'mistral-small': p(0.1, 0.3),
  'magistral-medium': p(2, 5),
  'magistral-small': p(0.5, 1.5),
  'codestral': p(0.3, 0.9),
  'pixtral-large': p(2, 6),
  'ministral-8b': p(0.1, 0.1),
  'ministral-3b': p(0.04, 0.04),
  'open-mistral-nemo': p(0.15, 0.15),
  'mistral-embed': p(0.1, 0),
  'codestral-embed': p(0.15, 0),

  // ---- Cohere --------------------------------------------------------------------------------
  'command-a': p(2.5, 10),
  'command-r-plus': p(2.5, 10),
  'command-r': p(0.15, 0.6),
  'command-r7b': p(0.0375, 0.15),
  'embed-v4.0': p(0.12, 0),
  'embed-english-v3.0': p(0.1, 0),
  'embed-multilingual-v3.0': p(0.1, 0),
  'embed-english-light-v3.0': p(0.1, 0),
  'embed-multilingual-light-v3.0': p(0.1, 0),
});
