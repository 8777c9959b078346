/**
 * Readers of what LangChain hands a callback handler about a model run: the request (invocation
 * parameters, the `ls_*` metadata every LangChain model sets), the prompt, and the `LLMResult`
 * at the end (usage, generated text, response model, finish reasons). Everything is read by
 * shape, never trusted: a provider package may leave any field out.
 */
import type { ProviderUsage } from '@ragmeter/sdk';

export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_FINISH_REASONS = 'gen_ai.response.finish_reasons';

export type AttributeMap = Record<string, string | number | boolean | string[]>;
type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * GenAI attributes of a model run from its start callback: the model from the invocation
 * parameters (`model`, `model_name`, `modelName`) or the `ls_model_name` metadata, the provider
 * from `ls_provider`, temperature and max tokens where given.
 */
export function requestAttributes(kind: 'chat' | 'llm', extraParams: unknown, metadata: unknown): AttributeMap {
  const attrs: AttributeMap = { [ATTR_OPERATION_NAME]: kind === 'chat' ? 'chat' : 'text_completion' };
  const params = isDict(extraParams) && isDict(extraParams.invocation_params) ? extraParams.invocation_params : {};
  const meta = isDict(metadata) ? metadata : {};
  const model = str(params.model) ?? str(params.model_name) ?? str(params.modelName) ?? str(meta.ls_model_name);
  if (model !== undefined) attrs[ATTR_REQUEST_MODEL] = model;
  const provider = str(meta.ls_provider);
  if (provider !== undefined) attrs[ATTR_PROVIDER_NAME] = provider;
  const temperature = num(params.temperature) ?? num(meta.ls_temperature);
  if (temperature !== undefined) attrs[ATTR_REQUEST_TEMPERATURE] = temperature;
  const maxTokens = num(params.max_tokens) ?? num(params.max_completion_tokens) ?? num(params.maxTokens) ?? num(meta.ls_max_tokens);
  if (maxTokens !== undefined) attrs[ATTR_REQUEST_MAX_TOKENS] = maxTokens;
  return attrs;
}

/** The text of a message's content: a string, or the text blocks of a content array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (typeof block === 'string') text += block;
    else if (isDict(block) && typeof block.text === 'string') text += block.text;
  }
  return text;
}

/** One `role: text` line per message of a chat model's prompt. */
export function messagesText(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  const lines: string[] = [];
  for (const message of messages) {
    if (!isDict(message)) continue;
    const getType = (message as { getType?: unknown }).getType;
    const role = typeof getType === 'function' ? String(getType.call(message)) : (str(message.type) ?? 'message');
    lines.push(`${role}: ${contentText(message.content)}`);
  }
  return lines;
}

/** What a model run's `LLMResult` says. */
export interface ModelResult {
  usage: ProviderUsage | undefined;
  /** Generated text of every generation, for the tokenizer and content capture. */
  text: string[];
  responseModel: string | undefined;
  finishReasons: string[] | undefined;
}

/**
 * Reads an `LLMResult`: usage from the first message carrying `usage_metadata` (LangChain's
 * standard field), else from `llmOutput.tokenUsage` (`promptTokens`/`completionTokens`) or a
 * provider's `llmOutput.usage`; the generated text; the response model and finish reasons from
 * `response_metadata` / `generationInfo` / `llmOutput`.
 */
export function readResult(output: unknown): ModelResult {
  const result: ModelResult = { usage: undefined, text: [], responseModel: undefined, finishReasons: undefined };
  if (!isDict(output)) return result;
  const reasons: string[] = [];
  const generations = Array.isArray(output.generations) ? output.generations : [];
  for (const group of generations) {
    if (!Array.isArray(group)) continue;
    for (const generation of group) {
      if (!isDict(generation)) continue;
      const message = isDict(generation.message) ? generation.message : undefined;
      const text = str(generation.text) ?? (message === undefined ? undefined : contentText(message.content));
      if (text !== undefined && text !== '') result.text.push(text);
      toolCallText(message, result.text);
      if (result.usage === undefined && message !== undefined) result.usage = usageMetadata(message.usage_metadata);
      const meta = message !== undefined && isDict(message.response_metadata) ? message.response_metadata : {};
      const info = isDict(generation.generationInfo) ? generation.generationInfo : {};
      result.responseModel ??= str(meta.model_name) ?? str(meta.model);
      const reason = str(meta.finish_reason) ?? str(info.finish_reason) ?? str(meta.stop_reason);
      if (reason !== undefined) reasons.push(reason);
    }
  }
  if (reasons.length > 0) result.finishReasons = reasons;
  const llmOutput = isDict(output.llmOutput) ? output.llmOutput : undefined;
  if (llmOutput !== undefined) {
    result.usage ??= tokenUsage(llmOutput.tokenUsage) ?? usageObject(llmOutput.usage);
    result.responseModel ??= str(llmOutput.model_name) ?? str(llmOutput.model);
  }
  return result;
}

/** Arguments of the tool calls a model made: generated output too. */
function toolCallText(message: Dict | undefined, into: string[]): void {
  const calls = message?.tool_calls;
  if (!Array.isArray(calls)) return;
  for (const call of calls) {
    if (isDict(call) && call.args !== undefined) into.push(JSON.stringify(call.args));
  }
}

/**
 * `usage_metadata`: `{ input_tokens, output_tokens, total_tokens, input_token_details }`; the
 * details' prompt-cache reads and writes (`cache_read`, `cache_creation`) are part of the input.
 */
function usageMetadata(v: unknown): ProviderUsage | undefined {
  if (!isDict(v)) return undefined;
  const usage: ProviderUsage = { input_tokens: num(v.input_tokens), output_tokens: num(v.output_tokens), total_tokens: num(v.total_tokens) };
  if (usage.input_tokens === undefined && usage.output_tokens === undefined && usage.total_tokens === undefined) return undefined;
  const details = v.input_token_details;
  if (isDict(details)) {
    const cacheRead = num(details.cache_read);
    const cacheCreation = num(details.cache_creation);
    if (cacheRead !== undefined || cacheCreation !== undefined) usage.input_token_details = { cache_read: cacheRead, cache_creation: cacheCreation };
  }
  return usage;
}

/** `llmOutput.tokenUsage`: `{ promptTokens, completionTokens, totalTokens }`. */
function tokenUsage(v: unknown): ProviderUsage | undefined {
  if (!isDict(v)) return undefined;
  const usage = { input_tokens: num(v.promptTokens), output_tokens: num(v.completionTokens), total_tokens: num(v.totalTokens) };
  return usage.input_tokens === undefined && usage.output_tokens === undefined && usage.total_tokens === undefined ? undefined : usage;
}

/** A provider's own usage object in `llmOutput.usage` (OpenAI or Anthropic field names). */
function usageObject(v: unknown): ProviderUsage | undefined {
  if (!isDict(v)) return undefined;
  const usage = {
    input_tokens: num(v.input_tokens) ?? num(v.prompt_tokens),
    output_tokens: num(v.output_tokens) ?? num(v.completion_tokens),
    total_tokens: num(v.total_tokens),
  };
  return usage.input_tokens === undefined && usage.output_tokens === undefined && usage.total_tokens === undefined ? undefined : usage;
}

/** True when a streamed chunk carries generated output: text, or tool-call arguments. */
export function chunkHasOutput(token: unknown, fields: unknown): boolean {
  if (typeof token === 'string' && token !== '') return true;
  const chunk = isDict(fields) ? fields.chunk : undefined;
  const message = isDict(chunk) && isDict(chunk.message) ? chunk.message : undefined;
  const calls = message?.tool_call_chunks;
  if (!Array.isArray(calls)) return false;
  return calls.some((c) => isDict(c) && ((typeof c.args === 'string' && c.args !== '') || (typeof c.name === 'string' && c.name !== '')));
}
