/**
 * Readers of the AI SDK's telemetry events: the attributes an operation starts and ends with,
 * token counts, time to first output, the text a call sent and received, the error a step
 * ended with.
 *
 * Events come from whatever `ai` 7.x release the application runs, filtered by its
 * `recordInputs`/`recordOutputs` settings: no field is assumed to exist or to have its
 * documented type, and no reader throws on a plain object.
 */

/** A span attribute value (the primitive subset of OpenTelemetry's AttributeValue). */
export type AttributeValue = string | number | boolean | string[];
export type AttributeMap = Record<string, AttributeValue>;

// GenAI semantic-convention attribute keys.
export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_EMBEDDING_DIMENSIONS = 'gen_ai.embeddings.dimension.count';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
/** The AI SDK function the operation belongs to: `ai.generateText`, `ai.embedMany.doEmbed`, ... */
export const ATTR_AI_OPERATION_ID = 'ai.operation.id';

type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object';
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Attributes every operation of a model starts with: GenAI operation, provider and model names. */
export function modelAttributes(event: Json, operationName: string | undefined): AttributeMap {
  const attrs: AttributeMap = {};
  if (operationName !== undefined) attrs[ATTR_OPERATION_NAME] = operationName;
  if (isText(event.provider)) attrs[ATTR_PROVIDER_NAME] = event.provider;
  if (isText(event.modelId)) attrs[ATTR_REQUEST_MODEL] = event.modelId;
  if (isText(event.operationId)) attrs[ATTR_AI_OPERATION_ID] = event.operationId;
  return attrs;
}

/** Token counts of a language-model call, as `op.setTokens()` takes them, and the total. */
export interface ModelTokens {
  input?: number;
  output?: number;
  total?: number;
  /** Prompt-cache reads, part of `input`. */
  cachedInput?: number;
  /** Prompt-cache writes, part of `input`. */
  cacheWriteInput?: number;
}

/**
 * The counts of a language-model usage object (`LanguageModelUsage`): `inputTokens` is all
 * input, cache reads and writes included; `inputTokenDetails` tells those apart.
 */
export function languageModelTokens(usage: unknown): ModelTokens {
  if (!isObject(usage)) return {};
  const tokens: ModelTokens = {};
  if (isCount(usage.inputTokens)) tokens.input = usage.inputTokens;
  if (isCount(usage.outputTokens)) tokens.output = usage.outputTokens;
  if (isCount(usage.totalTokens)) tokens.total = usage.totalTokens;
  const details = usage.inputTokenDetails;
  if (tokens.input !== undefined && isObject(details)) {
    if (isCount(details.cacheReadTokens)) tokens.cachedInput = details.cacheReadTokens;
    if (isCount(details.cacheWriteTokens)) tokens.cacheWriteInput = details.cacheWriteTokens;
  }
  return tokens;
}

/** Tokens of an embedding call's usage (`{ tokens }`; NaN when the provider reported none). */
export function embeddingTokens(usage: unknown): number | undefined {
  return isObject(usage) && isCount(usage.tokens) ? usage.tokens : undefined;
}

/**
 * Seconds to the first streamed output of a model call: `performance.timeToFirstOutputMs`
 * (streamText) or `msToFirstChunk` (streamObject). Undefined for calls that did not stream.
 */
export function timeToFirstOutputSeconds(event: Json): number | undefined {
  const performance = event.performance;
  const ms = isObject(performance) ? performance.timeToFirstOutputMs : event.msToFirstChunk;
  return isCount(ms) ? ms / 1000 : undefined;
}

/** What a finished model call tells about its response: model, id, finish reason, server. */
export function responseAttributes(event: Json, responseModel: unknown, responseId: unknown): AttributeMap {
  const attrs: AttributeMap = {};
  if (isText(responseModel)) attrs[ATTR_RESPONSE_MODEL] = responseModel;
  if (isText(responseId)) attrs[ATTR_RESPONSE_ID] = responseId;
  if (isText(event.finishReason)) attrs[ATTR_FINISH_REASONS] = [event.finishReason];
  const request = event.request;
  if (isObject(request) && isText(request.url)) Object.assign(attrs, serverAttributes(request.url));
  return attrs;
}

/** `server.address` and `server.port` of the origin a provider reported; empty when unreadable. */
export function serverAttributes(origin: string): AttributeMap {
  try {
    const url = new URL(origin);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined) : Number(url.port);
    return port === undefined
      ? { [ATTR_SERVER_ADDRESS]: url.hostname }
      : { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

/** The text parts of a message content: a string, or an array of `{ type: 'text', text }` parts. */
function contentText(content: unknown, out: string[]): void {
  if (typeof content === 'string') {
    if (content !== '') out.push(content);
  } else if (Array.isArray(content)) {
    for (const part of content) if (isObject(part) && part.type === 'text' && isText(part.text)) out.push(part.text);
  }
}

/**
 * The text a model call sent: its instructions (system prompt) and the text of its messages.
 * Empty when the application turned `recordInputs` off (the SDK then leaves them out).
 */
export function promptText(instructions: unknown, messages: unknown): string[] {
  const out: string[] = [];
  if (typeof instructions === 'string') contentText(instructions, out);
  else if (Array.isArray(instructions)) for (const m of instructions) contentText(isObject(m) ? m.content : m, out);
  if (Array.isArray(messages)) for (const m of messages) if (isObject(m)) contentText(m.content, out);
  return out;
}

/** The text a model call returned: the text parts of its content (or the raw object text). */
export function completionText(event: Json): string[] {
  const out: string[] = [];
  contentText(event.content, out);
  if (isText(event.objectText)) out.push(event.objectText);
  return out;
}

/** The error part of a step's content: how a stream that failed mid-way reports its error. */
export function contentError(content: unknown): unknown {
  if (!Array.isArray(content)) return undefined;
  for (const part of content) if (isObject(part) && part.type === 'error' && 'error' in part) return part.error;
  return undefined;
}

/** The strings of an embedding call's `values`. */
export function embeddingValues(values: unknown): string[] {
  return Array.isArray(values) ? values.filter(isText) : [];
}
