/**
 * Readers of OpenAI request and response payloads: request attributes, usage, response
 * metadata, the text a call sent and received, and the events of a stream.
 *
 * Everything here is written for OpenAI-compatible servers too (vLLM, Ollama, Azure, proxies):
 * no field is assumed to exist or to have its documented type, and no reader throws.
 */
import type { ProviderUsage } from '@ragmeter/sdk';

/** A span attribute value (the primitive subset of OpenTelemetry's AttributeValue). */
export type AttributeValue = string | number | boolean | string[];
export type AttributeMap = Record<string, AttributeValue>;

/** The three OpenAI APIs that are recorded. */
export type Api = 'chat' | 'responses' | 'embeddings';

// GenAI semantic-convention attribute keys.
export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_EMBEDDING_DIMENSIONS = 'gen_ai.embeddings.dimension.count';
export const ATTR_HTTP_STATUS = 'http.response.status_code';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object';
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

// ---- request ---------------------------------------------------------------------------------

/** `server.address` and `server.port` of a client's base URL; empty when it has none. */
export function serverAttributes(baseURL: unknown): AttributeMap {
  if (typeof baseURL !== 'string') return {};
  try {
    const url = new URL(baseURL);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined) : Number(url.port);
    return port === undefined
      ? { [ATTR_SERVER_ADDRESS]: url.hostname }
      : { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

/**
 * The attributes an operation starts with: `base` (operation and provider names, server, fixed
 * when the client is wrapped) plus the model and sampling parameters the request gives.
 * Runs on every call: reads a handful of fields, nothing more.
 */
export function requestAttributes(api: Api, body: unknown, base: Readonly<AttributeMap>): AttributeMap {
  const attrs: AttributeMap = { ...base };
  if (!isObject(body)) return attrs;
  if (isText(body.model)) attrs[ATTR_REQUEST_MODEL] = body.model;
  if (api === 'embeddings') {
    if (isText(body.encoding_format)) attrs['gen_ai.request.encoding_formats'] = [body.encoding_format];
    if (isNumber(body.dimensions)) attrs[ATTR_EMBEDDING_DIMENSIONS] = body.dimensions;
    return attrs;
  }
  if (isNumber(body.temperature)) attrs['gen_ai.request.temperature'] = body.temperature;
  if (isNumber(body.top_p)) attrs['gen_ai.request.top_p'] = body.top_p;
  const maxTokens = api === 'responses' ? body.max_output_tokens : (body.max_completion_tokens ?? body.max_tokens);
  if (isNumber(maxTokens)) attrs['gen_ai.request.max_tokens'] = maxTokens;
  if (api === 'chat') {
    if (isNumber(body.frequency_penalty)) attrs['gen_ai.request.frequency_penalty'] = body.frequency_penalty;
    if (isNumber(body.presence_penalty)) attrs['gen_ai.request.presence_penalty'] = body.presence_penalty;
    if (isNumber(body.seed)) attrs['gen_ai.request.seed'] = body.seed;
    if (isNumber(body.n) && body.n !== 1) attrs['gen_ai.request.choice.count'] = body.n;
    const stop = body.stop;
    if (isText(stop)) attrs['gen_ai.request.stop_sequences'] = [stop];
    else if (Array.isArray(stop) && stop.length > 0 && stop.every(isText)) attrs['gen_ai.request.stop_sequences'] = stop;
  }
  return attrs;
}

/** How many input items (messages) the request held when it was made; later ones are not its. */
export function inputLength(api: Api, body: unknown): number {
  if (!isObject(body)) return 0;
  const items = api === 'chat' ? body.messages : body.input;
  return Array.isArray(items) ? items.length : 0;
}

/** Text of a message's `content`: a string, or the text parts of a list of content parts. */
function contentText(content: unknown, out: string[]): void {
  if (isText(content)) {
    out.push(content);
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (isText(part)) out.push(part);
      else if (isObject(part) && isText(part.text)) out.push(part.text);
    }
  }
}

/**
 * The text a request sent: message contents (chat), the input string or input items
 * (responses; plus `instructions`), the input strings (embeddings). `count` caps the items read,
 * see {@link inputLength}.
 */
export function inputTexts(api: Api, body: unknown, count: number): string[] {
  const out: string[] = [];
  if (!isObject(body)) return out;
  if (api === 'responses' && isText(body.instructions)) out.push(body.instructions);
  const items = api === 'chat' ? body.messages : body.input;
  if (isText(items)) {
    out.push(items);
  } else if (Array.isArray(items)) {
    const n = Math.min(count, items.length);
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (api === 'embeddings') contentText(item, out);
      else if (isObject(item)) contentText(item.content, out);
      else if (isText(item)) out.push(item);
    }
  }
  return out;
}

/** Embedding inputs given as token ids (number[] or number[][]) are counted, not tokenized. */
export function inputTokenIds(body: unknown): number | undefined {
  if (!isObject(body) || !Array.isArray(body.input) || body.input.length === 0) return undefined;
  const input = body.input as unknown[];
  if (isNumber(input[0])) return input.length;
  if (!Array.isArray(input[0])) return undefined;
  let n = 0;
  for (const ids of input) if (Array.isArray(ids)) n += ids.length;
  return n;
}

/** The prompt as readable text, for content capture: one `role: text` line per message. */
export function promptText(api: Api, body: unknown, count: number): string | undefined {
  if (!isObject(body)) return undefined;
  if (api !== 'chat') {
    const texts = inputTexts(api, body, count);
    return texts.length === 0 ? undefined : texts.join('\n');
  }
  if (!Array.isArray(body.messages)) return undefined;
  const lines: string[] = [];
  const n = Math.min(count, body.messages.length);
  for (let i = 0; i < n; i++) {
    const message: unknown = body.messages[i];
    if (!isObject(message)) continue;
    const texts: string[] = [];
    contentText(message.content, texts);
    if (texts.length > 0) lines.push(`${typeof message.role === 'string' ? message.role : 'user'}: ${texts.join('\n')}`);
  }
  return lines.length === 0 ? undefined : lines.join('\n');
}

// ---- response --------------------------------------------------------------------------------

/** What a call learned from its response (whole, or gathered from a stream's events). */
export class ResponseState {
  model: string | undefined;
  id: string | undefined;
  usage: ProviderUsage | undefined;
  /** One per choice that reported one (chat), or the response's outcome (responses). */
  finishReasons: string[] | undefined;
  /** Generated text (content) and other generated text (refusals, reasoning, tool-call arguments). */
  readonly text: string[] = [];
  readonly other: string[] = [];
  embeddingDimensions: number | undefined;
  /** The response reported failure (responses API `status: failed`, an `error` event): its message. */
  failure: string | undefined;
  /** The first generated token of a stream has been seen. */
  sawToken = false;

  /** Model and id from a response or chunk, when present. */
  meta(source: Json): void {
    if (isText(source.model)) this.model = source.model;
    if (isText(source.id)) this.id = source.id;
  }

  takeUsage(usage: unknown): void {
    if (isObject(usage)) this.usage = usage as ProviderUsage;
  }

  addReason(reason: unknown): void {
    if (isText(reason)) (this.finishReasons ??= []).push(reason);
  }
}

/** Input and output tokens of a usage object (chat: prompt/completion; responses: input/output). */
export function splitUsage(usage: ProviderUsage): { input?: number; output?: number } {
  return { input: usage.input_tokens ?? usage.prompt_tokens, output: usage.output_tokens ?? usage.completion_tokens };
}

/** Reads a whole (non-streamed) response body into `state`. */
export function readBody(api: Api, body: unknown, state: ResponseState): void {
  if (!isObject(body)) return;
  state.meta(body);
  state.takeUsage(body.usage);
  if (api === 'chat') {
    if (!Array.isArray(body.choices)) return;
    for (const choice of body.choices) {
      if (!isObject(choice)) continue;
      state.addReason(choice.finish_reason);
      const message = choice.message;
      if (!isObject(message)) continue;
      contentText(message.content, state.text);
      if (isText(message.refusal)) state.other.push(message.refusal);
      if (isText(message.reasoning_content)) state.other.push(message.reasoning_content);
      toolCallTexts(message.tool_calls, state.other);
    }
  } else if (api === 'responses') {
    readResponseObject(body, state);
  } else if (Array.isArray(body.data)) {
    const first: unknown = body.data[0];
    if (isObject(first) && (Array.isArray(first.embedding) || ArrayBuffer.isView(first.embedding))) {
      state.embeddingDimensions = (first.embedding as ArrayLike<number>).length;
    }
  }
}

function toolCallTexts(calls: unknown, out: string[]): void {
  if (!Array.isArray(calls)) return;
  for (const call of calls) {
    const fn = isObject(call) ? call.function : undefined;
    if (!isObject(fn)) continue;
    if (isText(fn.name)) out.push(fn.name);
    if (isText(fn.arguments)) out.push(fn.arguments);
  }
}

/** A Responses API `response` object: outcome, usage, output text. */
function readResponseObject(response: Json, state: ResponseState): void {
  state.meta(response);
  state.takeUsage(response.usage);
  const status = response.status;
  if (status === 'completed') {
    state.finishReasons = ['stop'];
  } else if (status === 'incomplete') {
    const details = response.incomplete_details;
    state.finishReasons = [isObject(details) && isText(details.reason) ? details.reason : 'incomplete'];
  } else if (isText(status) && status !== 'in_progress' && status !== 'queued') {
    state.finishReasons = [status];
  }
  if (status === 'failed') {
    const error = response.error;
    state.failure = isObject(error) && isText(error.message) ? error.message : 'the response failed';
  }
  if (state.text.length > 0 || state.other.length > 0) return; // a stream already gathered it
  if (isText(response.output_text)) {
    state.text.push(response.output_text);
    return;
  }
  if (!Array.isArray(response.output)) return;
  for (const item of response.output) {
    if (!isObject(item)) continue;
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (!isObject(part)) continue;
        if (isText(part.text)) state.text.push(part.text);
        else if (isText(part.refusal)) state.other.push(part.refusal);
      }
    } else if (isText(item.arguments)) {
      state.other.push(item.arguments);
    }
  }
}

/**
 * Reads one chat completion chunk. Returns true when it carries generated output (content,
 * refusal, reasoning, a tool call), which the role-only first chunk does not.
 */
export function readChatChunk(chunk: unknown, state: ResponseState): boolean {
  if (!isObject(chunk)) return false;
  if (state.id === undefined) state.meta(chunk);
  if (isObject(chunk.usage)) state.takeUsage(chunk.usage);
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return false;
  let generated = false;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    const delta = choice.delta;
    if (isObject(delta)) {
      const content = delta.content;
      if (isText(content)) {
        state.text.push(content);
        generated = true;
      } else if (Array.isArray(content)) {
        const before = state.text.length;
        contentText(content, state.text);
        generated ||= state.text.length > before;
      }
      const before = state.other.length;
      if (isText(delta.refusal)) state.other.push(delta.refusal);
      if (isText(delta.reasoning_content)) state.other.push(delta.reasoning_content);
      else if (isText(delta.reasoning)) state.other.push(delta.reasoning);
      toolCallTexts(delta.tool_calls, state.other);
      generated ||= state.other.length > before;
    }
    if (choice.finish_reason != null) state.addReason(choice.finish_reason);
  }
  return generated;
}

/** Responses API stream events whose `delta` is generated text, and which list it goes to. */
const TEXT_DELTAS = new Set(['response.output_text.delta']);
const OTHER_DELTAS = new Set([
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
]);

/** Reads one Responses API stream event; returns true when it carries generated output. */
export function readResponseEvent(event: unknown, state: ResponseState): boolean {
  if (!isObject(event)) return false;
  const type = event.type;
  if (typeof type !== 'string') return false;
  if (TEXT_DELTAS.has(type)) {
    if (!isText(event.delta)) return false;
    state.text.push(event.delta);
    return true;
  }
  if (OTHER_DELTAS.has(type)) {
    if (!isText(event.delta)) return false;
    state.other.push(event.delta);
    return true;
  }
  if (isObject(event.response)) {
    // response.created / in_progress carry the model early; completed / incomplete / failed the outcome.
    readResponseObject(event.response, state);
  } else if (type === 'error') {
    state.failure = isText(event.message) ? event.message : 'the stream reported an error';
  }
  return false;
}
