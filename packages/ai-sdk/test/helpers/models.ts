import { MockEmbeddingModelV4, MockLanguageModelV4, MockRerankingModelV4, simulateReadableStream } from 'ai/test';

// Models built from the AI SDK's own test doubles (`ai/test`), with usage numbers the tests
// check against.

export const INPUT_TOKENS = 21;
export const OUTPUT_TOKENS = 13;
export const MODEL = 'mock-model';
export const RESPONSE_MODEL = 'mock-model-2026-01-01';
export const PROVIDER = 'mock-provider';

/** A provider error of its own class, so `error.type` can be checked. */
export class ProviderDown extends Error {
  override name = 'ProviderDown';
}

/** A provider's usage; `cache`: how many of the input tokens were read from / written to its prompt cache. */
export const usage = (input = INPUT_TOKENS, output = OUTPUT_TOKENS, cache: { read?: number; write?: number } = {}) => ({
  inputTokens: { total: input, noCache: input - (cache.read ?? 0) - (cache.write ?? 0), cacheRead: cache.read, cacheWrite: cache.write },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

const NO_USAGE = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

type Content = { type: 'text'; text: string } | { type: 'tool-call'; toolCallId: string; toolName: string; input: string };

/** One doGenerate result. */
export function generated(content: Content[] | string, finish: 'stop' | 'tool-calls' = 'stop', withUsage = true) {
  return {
    content: typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content,
    finishReason: { unified: finish, raw: finish },
    usage: withUsage ? usage() : NO_USAGE,
    warnings: [],
    response: { id: 'resp-1', modelId: RESPONSE_MODEL, timestamp: new Date(0) },
  };
}

export const textModel = (...results: ReturnType<typeof generated>[]) =>
  new MockLanguageModelV4({ provider: PROVIDER, modelId: MODEL, doGenerate: results.length === 1 ? results[0] : results });

/** Stream parts of a text answer, then `finish` with usage. */
export function textChunks(text: string[]) {
  return [
    { type: 'stream-start' as const, warnings: [] },
    { type: 'response-metadata' as const, id: 'resp-1', modelId: RESPONSE_MODEL, timestamp: new Date(0) },
    { type: 'text-start' as const, id: 't' },
    ...text.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
    { type: 'text-end' as const, id: 't' },
    { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage: usage() },
  ];
}

/**
 * A streaming model whose first chunk comes `initialDelayInMs` after the model is called (the
 * stream is made in doStream: a ReadableStream starts pulling, and so its delay, when made).
 */
export const streamModel = (text: string[], initialDelayInMs = 0) =>
  new MockLanguageModelV4({
    provider: PROVIDER,
    modelId: MODEL,
    doStream: async () => ({ stream: simulateReadableStream({ chunks: textChunks(text), initialDelayInMs, chunkDelayInMs: 1 }) }),
  });

/** A streaming model whose stream sends some text, then fails with `error`. */
export const failingStreamModel = (error: unknown) =>
  new MockLanguageModelV4({
    provider: PROVIDER,
    modelId: MODEL,
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          for (const chunk of textChunks(['Hel']).slice(0, 4)) controller.enqueue(chunk);
          controller.error(error);
        },
      }),
    }),
  });

export const embeddingModel = (tokensPerCall = 7, maxEmbeddingsPerCall = 8) =>
  new MockEmbeddingModelV4({
    provider: PROVIDER,
    modelId: 'mock-embedder',
    maxEmbeddingsPerCall,
    supportsParallelCalls: true,
    doEmbed: async ({ values }) => ({ embeddings: values.map((_, i) => [i, 1]), usage: { tokens: tokensPerCall }, warnings: [] }),
  });

export const rerankingModel = () =>
  new MockRerankingModelV4({
    provider: PROVIDER,
    modelId: 'mock-reranker',
    doRerank: async ({ documents }) => ({
      ranking: Array.from({ length: documents.values.length }, (_, index) => ({ index, relevanceScore: 1 / (index + 1) })),
    }),
  });
