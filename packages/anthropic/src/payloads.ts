/**
 * Reading Anthropic Messages API payloads: request attributes, usage, response metadata, the
 * text a call sent and received, and the events of a stream.
 *
 * Written for proxies and compatible servers too: no field is assumed to exist or to have its
 * documented type, and no reader throws.
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
export const ATTR_HTTP_STATUS = 'http.response.status_code';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object';
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;

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
export function requestAttributes(body: unknown, base: Readonly<AttributeMap>): AttributeMap {
  const attrs: AttributeMap = { ...base };
  if (!isObject(body)) return attrs;
  if (isText(body.model)) attrs[ATTR_REQUEST_MODEL] = body.model;
  if (isNumber(body.max_tokens)) attrs['gen_ai.request.max_tokens'] = body.max_tokens;
  if (isNumber(body.temperature)) attrs['gen_ai.request.temperature'] = body.temperature;
  if (isNumber(body.top_p)) attrs['gen_ai.request.top_p'] = body.top_p;
  if (isNumber(body.top_k)) attrs['gen_ai.request.top_k'] = body.top_k;
  const stop = body.stop_sequences;
  if (Array.isArray(stop) && stop.length > 0 && stop.every(isText)) attrs['gen_ai.request.stop_sequences'] = stop;
  return attrs;
}

/** How many messages the request held when it was made; later ones are not its. */
export function inputLength(body: unknown): number {
  return isObject(body) && Array.isArray(body.messages) ? body.messages.length : 0;
}

/**
 * Text of a `content` (or `system`) value: a string, or the text of its blocks — text blocks,
 * tool results (their own content), tool uses (name and input), thinking.
 */
function contentText(content: unknown, out: string[]): void {
  if (isText(content)) {
    out.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (isText(block)) out.push(block);
    else if (isObject(block)) blockText(block, out, out);
  }
}

/** Text of one content block: its generated text to `text`, any other text to `other`. */
function blockText(block: Json, text: string[], other: string[]): void {
  if (isText(block.text)) text.push(block.text);
  else if (isText(block.thinking)) other.push(block.thinking);
  else if (block.type === 'tool_result') contentText(block.content, other);
  else if (isText(block.name) && block.input !== undefined) {
    other.push(block.name);
    const input = jsonText(block.input);
    if (input !== undefined) other.push(input);
  }
}

function jsonText(value: unknown): string | undefined {
  if (isText(value)) return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined || text === '{}' ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The text a request sent: the system prompt, then message contents. `count` caps the messages read. */
export function inputTexts(body: unknown, count: number): string[] {
  const out: string[] = [];
  if (!isObject(body)) return out;
  contentText(body.system, out);
  if (!Array.isArray(body.messages)) return out;
  const n = Math.min(count, body.messages.length);
  for (let i = 0; i < n; i++) {
    const message: unknown = body.messages[i];
    if (isObject(message)) contentText(message.content, out);
  }
  return out;
}

/** The prompt as readable text, for content capture: one `role: text` line per message. */
export function promptText(body: unknown, count: number): string | undefined {
  if (!isObject(body)) return undefined;
  const lines: string[] = [];
  const system: string[] = [];
  contentText(body.system, system);
  if (system.length > 0) lines.push(`system: ${system.join('\n')}`);
  if (Array.isArray(body.messages)) {
    const n = Math.min(count, body.messages.length);
    for (let i = 0; i < n; i++) {
      const message: unknown = body.messages[i];
      if (!isObject(message)) continue;
      const texts: string[] = [];
      contentText(message.content, texts);
      if (texts.length > 0) lines.push(`${isText(message.role) ? message.role : 'user'}: ${texts.join('\n')}`);
    }
  }
  return lines.length === 0 ? undefined : lines.join('\n');
}

// ---- response --------------------------------------------------------------------------------

/** Token counts of an Anthropic `usage` object, each only when reported. */
export interface Usage {
  /** Input tokens not read from or written to the cache (Anthropic's `input_tokens`). */
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheCreation?: number;
}

/** What a call learned from its response (whole, or gathered from a stream's events). */
export class ResponseState {
  model: string | undefined;
  id: string | undefined;
  /** Usage as reported; in a stream, `message_start`'s, updated by each `message_delta`. */
  readonly usage: Usage = {};
  /** Output tokens are final: from a whole message, or a stream's `message_delta`. */
  outputFinal = false;
  stopReason: string | undefined;
  /** Generated text (text blocks) and other generated text (thinking, tool input). */
  readonly text: string[] = [];
  readonly other: string[] = [];
  /** The first generated token of a stream has been seen. */
  sawToken = false;

  /** Model and id from a message, when present. */
  meta(message: Json): void {
    if (isText(message.model)) this.model = message.model;
    if (isText(message.id)) this.id = message.id;
  }

  /** Takes the counts a usage object reports; `final` when its output count is the last word. */
  takeUsage(usage: unknown, final: boolean): void {
    if (!isObject(usage)) return;
    if (isCount(usage.input_tokens)) this.usage.input = usage.input_tokens;
    if (isCount(usage.cache_read_input_tokens)) this.usage.cacheRead = usage.cache_read_input_tokens;
    if (isCount(usage.cache_creation_input_tokens)) this.usage.cacheCreation = usage.cache_creation_input_tokens;
    if (isCount(usage.output_tokens)) {
      this.usage.output = usage.output_tokens;
      if (final) this.outputFinal = true;
    }
  }

  /**
   * Input tokens in the GenAI conventions' sense: Anthropic's `input_tokens` plus the tokens
   * read from and written to the cache, which it reports apart.
   */
  inputTokens(): number | undefined {
    const { input, cacheRead, cacheCreation } = this.usage;
    if (input === undefined) return undefined;
    return input + (cacheRead ?? 0) + (cacheCreation ?? 0);
  }

  /** Output tokens, when final (a cut stream's `message_start` count is a placeholder). */
  outputTokens(): number | undefined {
    return this.outputFinal ? this.usage.output : undefined;
  }
}

/** Reads a whole (non-streamed) message into `state`. */
export function readMessage(message: unknown, state: ResponseState): void {
  if (!isObject(message)) return;
  state.meta(message);
  state.takeUsage(message.usage, true);
  if (isText(message.stop_reason)) state.stopReason = message.stop_reason;
  if (!Array.isArray(message.content)) return;
  for (const block of message.content) if (isObject(block)) blockText(block, state.text, state.other);
}

/**
 * Reads one stream event. Returns true when it carries generated output: a
 * `content_block_delta` with text, thinking or tool input — not `message_start`, nor the empty
 * `content_block_start` that opens each block.
 */
export function readEvent(event: unknown, state: ResponseState): boolean {
  if (!isObject(event)) return false;
  switch (event.type) {
    case 'content_block_delta': {
      const delta = event.delta;
      if (!isObject(delta)) return false;
      if (isText(delta.text)) {
        state.text.push(delta.text);
        return true;
      }
      const other = delta.partial_json ?? delta.thinking;
      if (!isText(other)) return false;
      state.other.push(other);
      return true;
    }
    case 'content_block_start': {
      // Blocks open empty; a server that puts text in the opening block has generated it.
      const block = event.content_block;
      if (!isObject(block)) return false;
      const before = state.text.length + state.other.length;
      if (isText(block.text) || isText(block.thinking)) blockText(block, state.text, state.other);
      return state.text.length + state.other.length > before;
    }
    case 'message_start': {
      const message = event.message;
      if (!isObject(message)) return false;
      state.meta(message);
      state.takeUsage(message.usage, false);
      return false;
    }
    case 'message_delta': {
      const delta = event.delta;
      if (isObject(delta) && isText(delta.stop_reason)) state.stopReason = delta.stop_reason;
      state.takeUsage(event.usage, true);
      return false;
    }
    default:
      return false;
  }
}
