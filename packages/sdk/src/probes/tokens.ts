/** Counts the tokens of a text. Plug in a model's own tokenizer with `tokenCounter`. */
export interface TokenCounter {
  count(text: string): number;
}

/** The last-resort estimate: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

let o200k: ((text: string) => number) | undefined;

/**
 * OpenAI's o200k_base encoding (GPT-4o and later), offline, via gpt-tokenizer. Its tables take
 * ~250 ms to load, so they load on first use rather than when ragmeter is imported. Falls back
 * to the 4-characters estimate if the tokenizer cannot be loaded or fails on some input.
 */
export const openAiTokenCounter: TokenCounter = {
  count(text: string): number {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      o200k ??= (require('gpt-tokenizer') as typeof import('gpt-tokenizer')).countTokens;
      return o200k(text);
    } catch {
      return estimateTokens(text);
    }
  },
};

/** Tokens in `text` (or the sum over a list) with the given counter (default o200k_base). */
export function countTokens(
  text: string | readonly string[],
  counter: TokenCounter = openAiTokenCounter,
): number {
  if (typeof text === 'string') return text.length === 0 ? 0 : counter.count(text);
  let total = 0;
  for (const t of text) total += t.length === 0 ? 0 : counter.count(t);
  return total;
}

/** Provider usage objects: OpenAI chat (`prompt_tokens`/`completion_tokens`), OpenAI responses,
 * Anthropic and LangChain's `usage_metadata` (`input_tokens`/`output_tokens`). */
export interface ProviderUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  /** OpenAI chat: `cached_tokens` are the prompt tokens read from the prompt cache (priced lower). */
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  /** OpenAI responses: as `prompt_tokens_details`. */
  input_tokens_details?: { cached_tokens?: number | null } | null;
  /**
   * Anthropic: input tokens read from the prompt cache (priced lower), reported apart from
   * `input_tokens`, which then counts only the rest.
   */
  cache_read_input_tokens?: number | null;
  /** Anthropic: input tokens written to the prompt cache, also apart from `input_tokens`. */
  cache_creation_input_tokens?: number | null;
  /**
   * LangChain `usage_metadata`: cache reads and writes, both part of `input_tokens`.
   */
  input_token_details?: { cache_read?: number | null; cache_creation?: number | null } | null;
}
