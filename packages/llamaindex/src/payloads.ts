/**
 * Reading what LlamaIndex hands around — chat messages, responses, stream chunks, the
 * providers' raw payloads — by shape, assuming no field exists: the objects come from any
 * provider package and any 0.x version.
 */
import type { ProviderUsage } from '@ragmeter/sdk';

export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_RETRIEVED_NODES = 'rag.retrieval.nodes';
export const ATTR_INPUT_NODES = 'rag.rerank.input_nodes';
export const ATTR_OUTPUT_NODES = 'rag.rerank.output_nodes';
export const ATTR_EMBEDDING_INPUTS = 'rag.embedding.inputs';
export const ATTR_STREAMED = 'rag.query.streamed';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object';

/** Text of a LlamaIndex `MessageContent`: a string, or parts of which the text ones count. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) if (isRec(part) && typeof part.text === 'string') text += part.text;
  return text;
}

/** Texts of chat messages (`{ role, content }`). */
export function messagesText(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m) => (isRec(m) ? contentText(m.content) : ''));
}

/** Text of a `ChatResponse` (`message.content`) or a `CompletionResponse` (`text`). */
export function responseText(response: unknown): string | undefined {
  if (!isRec(response)) return undefined;
  if (typeof response.text === 'string') return response.text;
  return isRec(response.message) ? contentText(response.message.content) : undefined;
}

/** The generated text of one stream chunk: `delta` (chat) or `text` (completion). */
export function chunkText(chunk: unknown): string {
  if (!isRec(chunk)) return '';
  if (typeof chunk.delta === 'string') return chunk.delta;
  return typeof chunk.text === 'string' ? chunk.text : '';
}

const count = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Usage from one provider payload: OpenAI / Anthropic `usage`, Gemini `usageMetadata` (whose
 * `cachedContentTokenCount` is part of `promptTokenCount`, as OpenAI's cached tokens are).
 */
function usageIn(raw: unknown): ProviderUsage | undefined {
  if (!isRec(raw)) return undefined;
  if (isRec(raw.usage)) return raw.usage as ProviderUsage;
  const gemini = raw.usageMetadata;
  if (isRec(gemini)) {
    const usage: ProviderUsage = { input_tokens: count(gemini.promptTokenCount), output_tokens: count(gemini.candidatesTokenCount), total_tokens: count(gemini.totalTokenCount) };
    const cached = count(gemini.cachedContentTokenCount);
    if (cached !== undefined) usage.input_tokens_details = { cached_tokens: cached };
    return usage;
  }
  return undefined;
}

/**
 * The provider's usage from a response's `raw`: the payload itself, or — for a stream, where
 * LlamaIndex collects the chunks — the last chunk that carries one.
 */
export function usageOf(raw: unknown): ProviderUsage | undefined {
  if (!Array.isArray(raw)) return usageIn(raw);
  for (let i = raw.length - 1; i >= 0; i--) {
    const item: unknown = raw[i];
    const usage = usageIn(isRec(item) && 'raw' in item ? item.raw : item);
    if (usage !== undefined) return usage;
  }
  return undefined;
}

/** `metadata.model` of an LLM, or `model` / `modelName` of an embedding model. */
export function modelOf(target: unknown): string | undefined {
  // An embedding model is a TransformComponent: a callable object.
  if (!isRec(target) && typeof target !== 'function') return undefined;
  const t = target as Rec;
  try {
    const metadata = t.metadata;
    if (isRec(metadata) && typeof metadata.model === 'string') return metadata.model;
    if (typeof t.model === 'string') return t.model;
    if (typeof t.modelName === 'string') return t.modelName;
  } catch {
    // a throwing getter: no model attribute
  }
  return undefined;
}

/** Text of a query: a string, or a `QueryBundle`/`{ query }` whose `query` is content. */
export function queryText(query: unknown): string | undefined {
  if (typeof query === 'string') return query;
  if (isRec(query)) {
    if (typeof query.query === 'string') return query.query;
    if (query.query !== undefined) return contentText(query.query);
  }
  return undefined;
}

export const lengthOf = (v: unknown): number | undefined => (Array.isArray(v) ? v.length : undefined);
