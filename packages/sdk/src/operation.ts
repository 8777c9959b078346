import type { Attributes, AttributeValue, Context, Span } from '@opentelemetry/api';
import type { ProviderUsage } from './probes/tokens.js';

/** @internal What an Operation reports to when it ends; implemented by the monitor. */
export interface OperationSink {
  finish(op: Operation, error: unknown, failed: boolean): void;
  invalidTokens(what: string, value: unknown): void;
  firstToken(op: Operation, seconds: number): void;
  invalidDuration(what: string, value: unknown): void;
  /** A method of the handle was given something it could not read (a throwing getter, say). */
  unreadable(what: string, error: unknown): void;
  countTokens(text: string | readonly string[]): number;
  setAttribute(op: Operation, key: string, value: unknown): void;
  /** Puts prompt/response text on the span; `always` skips the monitor's captureContent check. */
  captureText(op: Operation, prompt: string | undefined, response: string | undefined, always: boolean): void;
  /** Runs `fn` with `context` active. */
  runIn<T>(context: Context, fn: () => T): T;
  /** An integration gave up on the operation: counted, its span ended, no metrics. */
  abandon(op: Operation, detail: string): void;
}

/** @internal Per-type data resolved once and shared by all operations of that type. */
export interface TypeEntry {
  readonly name: string;
  readonly attrs: Attributes;
  readonly inputAttrs: Attributes;
  readonly outputAttrs: Attributes;
  /** By error type (capped: see TypeTable). */
  readonly failAttrs: Map<string, Attributes>;
  /** The GenAI semantic-convention base sets, for llm_inference and embedding_generation. */
  readonly genAi: GenAiEntry | undefined;
}

/** @internal Base attribute sets of the gen_ai.client.* instruments for one operation type. */
export interface GenAiEntry {
  readonly operation: 'chat' | 'embeddings';
  readonly attrs: Attributes;
  readonly inputAttrs: Attributes;
  readonly outputAttrs: Attributes;
  readonly failAttrs: Map<string, Attributes>;
}

/** Larger counts are not tokens but a bug; they would also make report sums overflow. */
export const MAX_TOKEN_COUNT = 1e12;
/** Longer durations (31 years) are not measurements; they would also make report sums overflow. */
export const MAX_DURATION_SECONDS = 1e9;

const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_TOKEN_COUNT;

type Text = string | readonly string[];

/** Tokens of `text` by the sink's tokenizer; undefined (and counted as dropped) when the text or
 * the tokenizer's answer is not usable. A user tokenizer that throws must not break the host. */
function countText(sink: OperationSink, what: string, text: Text): number | undefined {
  let n: unknown;
  try {
    n = sink.countTokens(text);
  } catch (error) {
    n = error;
  }
  if (isCount(n)) return n;
  sink.invalidTokens(`${what} tokens counted from text`, n);
  return undefined;
}

const joinText = (text: Text | undefined): string | undefined =>
  typeof text === 'string' ? text : Array.isArray(text) ? text.filter((t) => typeof t === 'string').join('\n') : undefined;

/**
 * One tracked operation: returned by `monitor.trackOperation()` and passed to the callback of
 * `monitor.track()`. Ends once — the first `end()` or `fail()` wins, later calls are ignored.
 * Supports `using op = monitor.trackOperation(...)`, which ends it (as a success) at scope exit.
 */
export class Operation implements Disposable {
  /** @internal */ inputTokens: number | undefined;
  /** @internal */ outputTokens: number | undefined;
  /** @internal Tokens known only as a total (`op.tokens = n`). */
  otherTokens: number | undefined;
  /** @internal Input tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens: number | undefined;
  /** @internal Input tokens written to the provider's prompt cache (part of inputTokens). */
  cacheWriteInputTokens: number | undefined;
  /** @internal */ ended = false;
  private firstTokenMarked = false;
  /** @internal The nearest enclosing operation (of this monitor), for the stage breakdown. */
  parent: Operation | undefined;
  /** @internal Seconds spent in child operations that ended while this one ran, by child type. */
  childSeconds: Map<string, number> | undefined;

  /** @internal */
  constructor(
    /** @internal */ readonly sink: OperationSink | undefined,
    /** @internal */ readonly entry: TypeEntry | undefined,
    /** @internal */ readonly span: Span | undefined,
    /** @internal See `context`. */ public ctx: Context | undefined,
    /** @internal performance.now() at start, ms. */ readonly startTime: number,
    /** @internal V8 heap used at start, bytes (0 when memory tracking is off). */ readonly startHeap: number,
    /** @internal Validated user attributes. */ public attributes: Attributes | undefined,
  ) {}

  /**
   * The OTel context in which this operation is the active one (its span set): what `run()`
   * activates, and a parent to hand to other OTel code. Undefined for a dropped operation.
   */
  get context(): Context | undefined {
    return this.ctx;
  }

  /** @internal Adds the time of a child operation that ended while this one runs. */
  addChild(type: string, seconds: number): void {
    const children = (this.childSeconds ??= new Map());
    children.set(type, (children.get(type) ?? 0) + seconds);
  }

  /** The operation type, or undefined when it was dropped as invalid. */
  get type(): string | undefined {
    return this.entry?.name;
  }

  /** Seconds since the operation started. */
  get elapsedSeconds(): number {
    return (performance.now() - this.startTime) / 1000;
  }

  /** Total tokens known so far (input + output + unsplit). */
  get tokens(): number {
    return (this.inputTokens ?? 0) + (this.outputTokens ?? 0) + (this.otherTokens ?? 0);
  }

  /** Sets the token count when only a total is known (no input/output split). */
  set tokens(count: number) {
    if (isCount(count)) this.otherTokens = count;
    else this.sink?.invalidTokens('tokens', count);
  }

  /**
   * Runs a method body that reads what the caller passed: a throwing getter or proxy is
   * dropped and counted, never thrown into the host.
   */
  private guard(what: string, body: () => void): this {
    try {
      body();
    } catch (error) {
      this.sink?.unreadable(what, error);
    }
    return this;
  }

  /**
   * Sets input and/or output tokens, e.g. from the provider's usage report. `cachedInput`: how
   * many of the input tokens the provider read from its prompt cache (priced at the cached rate);
   * `cacheWriteInput`: how many it wrote to the cache (priced at the cache-write rate). Both are
   * part of `input`.
   */
  setTokens(tokens: { input?: number; output?: number; cachedInput?: number; cacheWriteInput?: number }): this {
    return this.guard('setTokens()', () => {
      if (tokens === null || typeof tokens !== 'object') {
        this.sink?.invalidTokens('setTokens() argument', tokens);
        return;
      }
      const { input, output, cachedInput, cacheWriteInput } = tokens;
      if (cachedInput !== undefined) {
        if (isCount(cachedInput)) this.cachedInputTokens = cachedInput;
        else this.sink?.invalidTokens('cached input tokens', cachedInput);
      }
      if (cacheWriteInput !== undefined) {
        if (isCount(cacheWriteInput)) this.cacheWriteInputTokens = cacheWriteInput;
        else this.sink?.invalidTokens('cache-write input tokens', cacheWriteInput);
      }
      if (input !== undefined) {
        if (isCount(input)) this.inputTokens = input;
        else this.sink?.invalidTokens('input tokens', input);
      }
      if (output !== undefined) {
        if (isCount(output)) this.outputTokens = output;
        else this.sink?.invalidTokens('output tokens', output);
      }
    });
  }

  /**
   * Takes token counts from a provider's usage object: OpenAI (chat and responses), Anthropic,
   * LangChain's `usage_metadata` and alike, with prompt-cache reads and writes where reported.
   */
  setUsage(usage: ProviderUsage | null | undefined): this {
    return this.guard('setUsage()', () => {
      if (usage === null || usage === undefined || typeof usage !== 'object') return;
      let input = usage.input_tokens ?? usage.prompt_tokens;
      const output = usage.output_tokens ?? usage.completion_tokens;
      const total = usage.total_tokens;
      const details = usage.prompt_tokens_details ?? usage.input_tokens_details;
      let cached: unknown;
      let written: unknown;
      if (details !== null && typeof details === 'object') cached = details.cached_tokens;
      const langchain = usage.input_token_details;
      if (langchain !== null && typeof langchain === 'object') {
        cached ??= langchain.cache_read;
        written = langchain.cache_creation;
      }
      // Anthropic reports cache reads and writes apart from input_tokens; input counts all three.
      const cacheRead = usage.cache_read_input_tokens;
      const cacheWrite = usage.cache_creation_input_tokens;
      if (typeof input === 'number' && (isCount(cacheRead) || isCount(cacheWrite))) {
        input += (isCount(cacheRead) ? cacheRead : 0) + (isCount(cacheWrite) ? cacheWrite : 0);
        if (isCount(cacheRead)) cached = cacheRead;
        if (isCount(cacheWrite)) written = cacheWrite;
      }
      if (input === undefined && output === undefined && total !== undefined) this.tokens = total;
      else this.setTokens({ input, output, cachedInput: (cached ?? undefined) as number | undefined, cacheWriteInput: (written ?? undefined) as number | undefined });
    });
  }

  /**
   * Counts tokens of the prompt and/or response text with the monitor's tokenizer, for
   * providers that report no usage. Counts already set from the provider are kept.
   */
  setTokensFromText(text: { input?: Text; output?: Text }): this {
    const sink = this.sink;
    if (sink === undefined || text === null || typeof text !== 'object' || this.ended) return this;
    return this.guard('setTokensFromText()', () => {
      const { input, output } = text;
      let counted = false;
      if (input !== undefined && this.inputTokens === undefined) {
        this.inputTokens = countText(sink, 'input', input);
        counted ||= this.inputTokens !== undefined;
      }
      if (output !== undefined && this.outputTokens === undefined) {
        this.outputTokens = countText(sink, 'output', output);
        counted ||= this.outputTokens !== undefined;
      }
      // Counted by the tokenizer, not reported by the provider: say so on the span.
      if (counted) sink.setAttribute(this, 'rag.operation.tokens_from_text', true);
      sink.captureText(this, joinText(input), joinText(output), false);
    });
  }

  /**
   * Records prompt and/or completion text on the span (`gen_ai.prompt`, `gen_ai.completion`),
   * cut to 8 × maxAttributeValueLength. Unlike `setTokensFromText()`, this records whatever the
   * monitor's `captureContent` says: call it only where content capture is wanted.
   */
  setContent(text: { input?: Text; output?: Text }): this {
    const sink = this.sink;
    if (sink === undefined || text === null || typeof text !== 'object' || this.ended) return this;
    return this.guard('setContent()', () => sink.captureText(this, joinText(text.input), joinText(text.output), true));
  }

  /** Adds an attribute to the span (and to the metrics when its key is allowlisted). */
  setAttribute(key: string, value: AttributeValue): this {
    if (this.ended) return this;
    return this.guard('setAttribute()', () => this.sink?.setAttribute(this, key, value));
  }

  /** Marks the arrival of the first streamed token: records time-to-first-token (once). */
  markFirstToken(): this {
    if (!this.ended && !this.firstTokenMarked) {
      this.firstTokenMarked = true;
      this.sink?.firstToken(this, this.elapsedSeconds);
    }
    return this;
  }

  /**
   * Records a time to first token measured elsewhere (e.g. reported by a framework after the
   * fact), seconds. Like markFirstToken(), only the first one counts; an invalid value is
   * dropped and counted.
   */
  setTimeToFirstToken(seconds: number): this {
    if (this.ended || this.firstTokenMarked || this.sink === undefined) return this;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DURATION_SECONDS) {
      this.sink.invalidDuration('time to first token', seconds);
      return this;
    }
    this.firstTokenMarked = true;
    this.sink.firstToken(this, seconds);
    return this;
  }

  /**
   * Runs `fn` with this operation active, so operations started inside (by `track()`,
   * `trackOperation()` or an integration) become its children; returns what `fn` returns.
   * The operation does not end with `fn`.
   */
  run<T>(fn: () => T): T {
    return this.context === undefined || this.sink === undefined ? fn() : this.sink.runIn(this.context, fn);
  }

  /** Ends the operation as a success. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.finish(this, undefined, false);
  }

  /** Ends the operation as a failure; the error is recorded on the span. */
  fail(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.finish(this, error, true);
  }

  [Symbol.dispose](): void {
    this.end();
  }
}
