/**
 * One call's recorder: the operation, the hooks on what the client returns, and what is
 * recorded when the call ends.
 *
 * - The caller gets the very `APIPromise` the client returned, followed in place by
 *   `followAPIPromise()`: the body is read when, and only when, the caller reads it; request
 *   failures are observed on the promise's response promise, without starting a parse.
 * - A streamed call's result is the very `Stream` the client made, followed in place by
 *   `followStream()`: iteration, `tee()`, `toReadableStream()` and the client's `MessageStream`
 *   all pass through one recorder, and `controller` is unchanged.
 * - Errors reach the caller unchanged (the same object); every promise made here has a
 *   rejection handler, so no unhandled rejection comes from here.
 */
import { getPerformanceMonitor, OperationType, type Operation, type PerformanceMonitor } from '@ragmeter/sdk';
import { followAPIPromise, followStream, type StreamObserver } from '@ragmeter/sdk/integration';
import {
  ATTR_FINISH_REASONS,
  ATTR_HTTP_STATUS,
  ATTR_RESPONSE_ID,
  ATTR_RESPONSE_MODEL,
  ResponseState,
  inputLength,
  inputTexts,
  promptText,
  readEvent,
  readMessage,
  requestAttributes,
  type AttributeMap,
} from './payloads.js';

/** What every call through one wrapped client shares, fixed at wrap time. */
export interface Surface {
  readonly monitor: PerformanceMonitor | undefined;
  readonly captureContent: boolean | undefined;
  /** Operation and provider names, server address and port. */
  readonly base: Readonly<AttributeMap>;
}

/** What the recorder reads of a client stream besides its items: whether it was aborted. */
interface StreamShape {
  controller?: { signal?: { aborted?: boolean } };
}

/**
 * Recorded, never thrown, when a stream ends because its request was aborted (the client ends
 * the iteration quietly then). Named like the client's own abort error, so an abort before and
 * an abort during the stream share one `error.type`.
 */
class APIUserAbortError extends Error {
  constructor() {
    super('Request was aborted.');
    this.name = 'APIUserAbortError';
  }
}

/** One call's operation and what it has learned so far. */
export class Recorder {
  readonly op: Operation;
  private readonly monitor: PerformanceMonitor;
  private readonly body: unknown;
  private readonly inputCount: number;
  private readonly capture: boolean;
  private readonly streamed: boolean;
  private readonly state = new ResponseState();
  /** The result is a stream whose events are being followed. */
  private following = false;
  private ended = false;

  constructor(surface: Surface, body: unknown) {
    const monitor = surface.monitor ?? getPerformanceMonitor();
    this.monitor = monitor;
    this.body = body;
    this.inputCount = inputLength(body);
    this.capture = surface.captureContent ?? monitor.captureContent;
    this.streamed = (body as { stream?: unknown } | undefined)?.stream === true;
    this.op = monitor.trackOperation(OperationType.LLM_INFERENCE, requestAttributes(body, surface.base));
  }

  /** Follows the client's result; never throws. */
  watch(result: unknown): void {
    followAPIPromise(result, {
      parsing: (response) => this.status(response),
      settled: (value) => this.settled(value),
      failed: (error) => this.fail(error),
      raw: (response) => this.rawResponse(response),
    });
  }

  /** The caller took the raw Response and reads the body itself: only the input is known. */
  private rawResponse(response: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.status(response as { status?: unknown });
      this.tokensFromText('input', inputTexts(this.body, this.inputCount));
    } catch {
      // as in end()
    }
    this.op.end();
  }

  private status(response: { status?: unknown } | undefined): void {
    const status = response?.status;
    if (typeof status === 'number') this.op.setAttribute(ATTR_HTTP_STATUS, status);
  }

  /** The parsed result: a whole message, or a stream to follow. */
  private settled(value: unknown): void {
    if (this.ended) return;
    try {
      if (this.streamed && followStream(value, this.streamObserver(value as StreamShape))) {
        this.following = true;
        return;
      }
      readMessage(value, this.state);
      this.end();
    } catch (error) {
      this.fail(error);
    }
  }

  /** What follows the stream: its items, its end, a failure, or the application leaving early. */
  private streamObserver(stream: StreamShape): StreamObserver {
    return {
      item: (value) => this.event(value),
      done: () => this.streamEnded(stream),
      failed: (error) => this.fail(error),
      stopped: () => this.end(), // the consumer stopped early (break, cancel): the operation ends here
    };
  }

  /** One streamed event. Called for every event: kept short. */
  private event(value: unknown): void {
    if (this.ended) return;
    try {
      if (readEvent(value, this.state) && !this.state.sawToken) {
        this.state.sawToken = true;
        this.op.markFirstToken();
      }
    } catch {
      // an event we cannot read is passed on all the same
    }
  }

  /** The stream ran out: completed, or quietly ended by an abort. */
  private streamEnded(stream: StreamShape): void {
    if (stream.controller?.signal?.aborted === true) this.fail(new APIUserAbortError());
    else this.end();
  }

  /** Ends the operation as a success. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.recordResponse();
    } catch {
      // whatever could be recorded was; the operation still ends
    }
    this.op.end();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const status = (error as { status?: unknown } | null)?.status;
      if (typeof status === 'number') this.op.setAttribute(ATTR_HTTP_STATUS, status);
      if (this.following) this.recordResponse(); // a stream cut mid-way: what arrived was generated
    } catch {
      // as in end()
    }
    this.op.fail(error);
  }

  /** Tokens, response attributes and (when captured) content, before the operation ends. */
  private recordResponse(): void {
    const { op, state } = this;
    if (state.model !== undefined) op.setAttribute(ATTR_RESPONSE_MODEL, state.model);
    if (state.id !== undefined) op.setAttribute(ATTR_RESPONSE_ID, state.id);
    if (state.stopReason !== undefined) op.setAttribute(ATTR_FINISH_REASONS, [state.stopReason]);
    this.recordTokens();
    if (this.capture) {
      const output = state.text.length > 0 ? state.text.join('') : undefined;
      op.setContent({ input: promptText(this.body, this.inputCount), output });
    }
  }

  /** The provider's usage; the monitor's tokenizer for whatever it did not report. */
  private recordTokens(): void {
    const { op, state } = this;
    const input = state.inputTokens();
    const output = state.outputTokens();
    // Input counts cache reads and writes; each is priced at the model's rate for it, and the
    // operation puts both on its span (gen_ai.usage.cache_read / cache_creation.input_tokens).
    const { cacheRead, cacheCreation } = state.usage;
    if (input !== undefined || output !== undefined) op.setTokens({ input, output, cachedInput: cacheRead, cacheWriteInput: cacheCreation });
    if (input === undefined) this.tokensFromText('input', inputTexts(this.body, this.inputCount));
    if (output === undefined) this.tokensFromText('output', [...state.text, ...state.other]);
  }

  private tokensFromText(kind: 'input' | 'output', texts: string[]): void {
    // setTokensFromText() also records the text when the monitor captures content; a client
    // wrapped with captureContent: false must not, so it counts with the monitor's tokenizer
    // and marks the span the same way.
    if (this.capture || !this.monitor.captureContent) this.op.setTokensFromText({ [kind]: texts });
    else this.op.setTokens({ [kind]: this.monitor.countTokens(texts) }).setAttribute('rag.operation.tokens_from_text', true);
  }
}
