/**
 * The telemetry integration: AI SDK lifecycle events in, ragmeter operations out.
 *
 * One AI SDK call (`callId`) holds at most one open model call and any number of open tool
 * executions, embedding calls (by `embedCallId`) and reranking calls. Every hook reads the event
 * defensively and never throws: the SDK would swallow the error anyway, but an exception thrown
 * from `executeTool` would reach the application, so nothing here is allowed to.
 */
import type { Telemetry } from 'ai';
import { getPerformanceMonitor, OperationType, type Operation, type PerformanceMonitor } from '@ragmeter/sdk';
import { abandonOperation } from '@ragmeter/sdk/integration';
import { AbortError, FailedAttemptError, FinishReasonError } from './errors.js';
import {
  ATTR_AGENT_NAME,
  ATTR_EMBEDDING_DIMENSIONS,
  ATTR_TOOL_CALL_ID,
  ATTR_TOOL_NAME,
  completionText,
  contentError,
  embeddingTokens,
  embeddingValues,
  isObject,
  languageModelTokens,
  modelAttributes,
  promptText,
  responseAttributes,
  timeToFirstOutputSeconds,
  type AttributeMap,
} from './events.js';

/** How the integration was configured (options resolved by `ragmeterTelemetry()`). */
export interface Settings {
  readonly monitor: PerformanceMonitor | undefined;
  readonly captureContent: boolean | undefined;
  readonly generationType: string | false;
  readonly toolType: string | false;
}

/** A model call in progress: its operation and what it was sent (read only if needed at its end). */
interface ModelCall {
  readonly op: Operation;
  readonly instructions: unknown;
  readonly messages: unknown;
}

/** One AI SDK call (generateText, streamText, embed, rerank, ...) in progress. */
interface Call {
  readonly monitor: PerformanceMonitor;
  readonly capture: boolean;
  /** The whole generation (generateText/streamText/generateObject/streamObject), parent of the rest. */
  readonly outer: Operation | undefined;
  model: ModelCall | undefined;
  /** Tool executions by toolCallId, embedding calls by embedCallId, a rerank call by callId. */
  readonly inner: Map<string, Operation>;
}

/** Operation ids of the AI SDK calls that generate text or objects. */
const GENERATIONS: ReadonlySet<string> = new Set(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject']);

/** Open calls kept at most; past it the oldest is given up on (a call that never ended): `abandoned_operation`. */
export const MAX_OPEN_CALLS = 10_000;

type Event = Record<string, unknown>;

/** Runs a hook body; nothing it throws leaves the integration. */
function guard(body: () => void): void {
  try {
    body();
  } catch {
    // instrumentation must never break the application's call
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A Vercel AI SDK `Telemetry` integration recording on a ragmeter monitor. Made by
 * `ragmeterTelemetry()`; every method is a lifecycle hook of the `Telemetry` interface.
 */
export class RagMeterTelemetry implements Telemetry {
  private readonly calls = new Map<string, Call>();
  /** Values of open embedding calls, for tokens counted from text when a provider reports none. */
  private readonly embedValues = new WeakMap<Operation, unknown>();

  constructor(private readonly settings: Settings) {}

  // ---- calls -----------------------------------------------------------------------------------

  onStart(event: unknown): void {
    guard(() => {
      if (!isObject(event) || typeof event.callId !== 'string') return;
      const operationId = text(event.operationId);
      const isGeneration = operationId !== undefined && GENERATIONS.has(operationId);
      const known = isGeneration || operationId === 'ai.embed' || operationId === 'ai.embedMany' || operationId === 'ai.rerank';
      if (!known) return; // speech, transcription: not RAG stages
      const monitor = this.settings.monitor ?? getPerformanceMonitor();
      let outer: Operation | undefined;
      const type = this.settings.generationType;
      if (isGeneration && type !== false) {
        const attrs = modelAttributes(event, 'invoke_agent');
        const functionId = text(event.functionId);
        if (functionId !== undefined) attrs[ATTR_AGENT_NAME] = functionId;
        outer = monitor.trackOperation(type, attrs);
      }
      this.open(event.callId, {
        monitor,
        capture: this.settings.captureContent ?? monitor.captureContent,
        outer,
        model: undefined,
        inner: new Map(),
      });
    });
  }

  onEnd(event: unknown): void {
    guard(() => {
      const call = this.take(event);
      if (call === undefined) return;
      const e = event as Event;
      // streamText: a stream that sent an error part ends with finish reason 'error';
      // streamObject: an object that failed to parse or validate ends with `error`.
      const error = e.error !== undefined ? e.error : e.finishReason === 'error' ? new FinishReasonError() : undefined;
      this.close(call, error, error !== undefined);
    });
  }

  onError(event: unknown): void {
    guard(() => {
      const call = this.take(event);
      if (call !== undefined) this.close(call, (event as Event).error, true);
    });
  }

  onAbort(event: unknown): void {
    guard(() => {
      const call = this.take(event);
      if (call === undefined) return;
      this.close(call, new AbortError((event as Event).reason), true);
    });
  }

  // ---- language model calls (generateText, streamText) and object steps (generateObject, streamObject)

  onLanguageModelCallStart(event: unknown): void {
    guard(() => this.startModelCall(event));
  }

  onLanguageModelCallEnd(event: unknown): void {
    guard(() => {
      const e = event as Event;
      this.endModelCall(e, responseAttributes(e, e.modelId, e.responseId));
    });
  }

  onObjectStepStart(event: unknown): void {
    guard(() => this.startModelCall(event));
  }

  onObjectStepEnd(event: unknown): void {
    guard(() => {
      const e = event as Event;
      const response = isObject(e.response) ? e.response : {};
      this.endModelCall(e, responseAttributes(e, response.modelId, response.id));
    });
  }

  /** A step whose model call did not report its end: a stream that sent an error part. */
  onStepEnd(event: unknown): void {
    guard(() => {
      const call = this.find(event);
      const model = call?.model;
      if (call === undefined || model === undefined) return;
      call.model = undefined;
      const e = event as Event;
      const { input, output, cachedInput, cacheWriteInput } = languageModelTokens(e.usage);
      model.op.setTokens({ input, output, cachedInput, cacheWriteInput });
      if (e.finishReason === 'error') model.op.fail(contentError(e.content) ?? new FinishReasonError());
      else model.op.end();
    });
  }

  /** A step whose model call threw: the provider's error (after the SDK's retries). */
  onStepError(event: unknown): void {
    guard(() => {
      const call = this.find(event);
      const model = call?.model;
      if (call === undefined || model === undefined) return;
      call.model = undefined;
      model.op.fail((event as Event).error);
    });
  }

  private startModelCall(event: unknown): void {
    if (!isObject(event)) return;
    const call = this.find(event) ?? this.implicitCall(event);
    if (call === undefined) return;
    call.model?.op.fail(new FailedAttemptError()); // never left open by the SDK; defensive
    const op = call.monitor.trackOperation(OperationType.LLM_INFERENCE, modelAttributes(event, 'chat'), { parent: call.outer });
    call.model = { op, instructions: event.instructions, messages: event.messages ?? event.promptMessages };
  }

  private endModelCall(event: Event, attrs: AttributeMap): void {
    const call = this.find(event);
    const model = call?.model;
    if (call === undefined || model === undefined) return;
    call.model = undefined;
    const { op } = model;
    for (const key of Object.keys(attrs)) op.setAttribute(key, attrs[key]!);
    const tokens = languageModelTokens(event.usage);
    if (tokens.input !== undefined || tokens.output !== undefined) {
      op.setTokens({ input: tokens.input, output: tokens.output, cachedInput: tokens.cachedInput, cacheWriteInput: tokens.cacheWriteInput });
    }
    else if (tokens.total !== undefined) op.tokens = tokens.total;
    const ttft = timeToFirstOutputSeconds(event);
    if (ttft !== undefined) op.setTimeToFirstToken(ttft);
    const noUsage = tokens.input === undefined && tokens.output === undefined && tokens.total === undefined;
    if (noUsage || call.capture) {
      const input = promptText(model.instructions, model.messages);
      const output = completionText(event);
      if (noUsage) op.setTokensFromText({ input: input.length > 0 ? input : undefined, output: output.length > 0 ? output : undefined });
      if (call.capture) op.setContent({ input, output });
    }
    if (event.finishReason === 'error') op.fail(new FinishReasonError());
    else op.end();
  }

  // ---- tools -----------------------------------------------------------------------------------

  onToolExecutionStart(event: unknown): void {
    guard(() => {
      const type = this.settings.toolType;
      if (type === false || !isObject(event) || !isObject(event.toolCall)) return;
      const id = event.toolCall.toolCallId;
      const call = this.find(event);
      if (call === undefined || typeof id !== 'string') return;
      const attrs: AttributeMap = { 'gen_ai.operation.name': 'execute_tool', [ATTR_TOOL_CALL_ID]: id };
      const name = text(event.toolCall.toolName);
      if (name !== undefined) attrs[ATTR_TOOL_NAME] = name;
      call.inner.get(id)?.fail(new FailedAttemptError());
      call.inner.set(id, call.monitor.trackOperation(type, attrs, { parent: call.outer }));
    });
  }

  onToolExecutionEnd(event: unknown): void {
    guard(() => {
      if (!isObject(event)) return;
      const id = isObject(event.toolCall) ? event.toolCall.toolCallId : undefined;
      const call = this.find(event);
      if (call === undefined || typeof id !== 'string') return;
      const op = call.inner.get(id);
      if (op === undefined) return;
      call.inner.delete(id);
      const output = isObject(event.toolOutput) ? event.toolOutput : {};
      if (output.type === 'tool-error') op.fail(output.error);
      else op.end();
    });
  }

  /**
   * Runs the tool's `execute` with its operation active, so what the tool records (a retrieval,
   * an embedding) nests under it. Calls `execute` exactly once, whatever happens here.
   */
  executeTool<T>(options: { callId: string; toolCallId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    let op: Operation | undefined;
    try {
      op = this.calls.get(options.callId)?.inner.get(options.toolCallId);
    } catch {
      op = undefined;
    }
    return op === undefined ? options.execute() : op.run(options.execute);
  }

  // ---- embeddings and reranking ----------------------------------------------------------------

  onEmbedStart(event: unknown): void {
    guard(() => {
      if (!isObject(event) || typeof event.embedCallId !== 'string') return;
      const call = this.find(event) ?? this.implicitCall(event);
      if (call === undefined) return;
      const attrs = modelAttributes(event, 'embeddings');
      if (typeof event.dimensions === 'number') attrs[ATTR_EMBEDDING_DIMENSIONS] = event.dimensions;
      // embed makes one model call: one still open is an attempt the SDK retried. (embedMany's
      // chunks run in parallel, so its retried attempts are only known when the call ends.)
      if (event.operationId === 'ai.embed.doEmbed') {
        for (const open of call.inner.values()) open.fail(new FailedAttemptError());
        call.inner.clear();
      }
      const op = call.monitor.trackOperation(OperationType.EMBEDDING_GENERATION, attrs, { parent: call.outer });
      call.inner.set(event.embedCallId, op);
      this.embedValues.set(op, event.values);
    });
  }

  onEmbedEnd(event: unknown): void {
    guard(() => {
      if (!isObject(event) || typeof event.embedCallId !== 'string') return;
      const call = this.find(event);
      const op = call?.inner.get(event.embedCallId);
      if (call === undefined || op === undefined) return;
      call.inner.delete(event.embedCallId);
      const values = this.embedValues.get(op);
      this.embedValues.delete(op);
      const tokens = embeddingTokens(event.usage);
      if (tokens !== undefined) op.setTokens({ input: tokens });
      else op.setTokensFromText({ input: embeddingValues(values) });
      if (call.capture) op.setContent({ input: embeddingValues(values) });
      op.end();
    });
  }

  onRerankStart(event: unknown): void {
    guard(() => {
      if (!isObject(event) || typeof event.callId !== 'string') return;
      const call = this.find(event) ?? this.implicitCall(event);
      if (call === undefined) return;
      const attrs = modelAttributes(event, undefined);
      if (Array.isArray(event.documents)) attrs['rag.rerank.documents'] = event.documents.length;
      if (typeof event.topN === 'number') attrs['rag.rerank.top_n'] = event.topN;
      // A second start for the same call: the SDK retried a failed attempt.
      call.inner.get(event.callId)?.fail(new FailedAttemptError());
      call.inner.set(event.callId, call.monitor.trackOperation(OperationType.RERANKING, attrs, { parent: call.outer }));
    });
  }

  onRerankEnd(event: unknown): void {
    guard(() => {
      if (!isObject(event) || typeof event.callId !== 'string') return;
      const call = this.find(event);
      const op = call?.inner.get(event.callId);
      if (call === undefined || op === undefined) return;
      call.inner.delete(event.callId);
      op.end();
    });
  }

  // ---- bookkeeping -----------------------------------------------------------------------------

  private open(callId: string, call: Call): void {
    const previous = this.calls.get(callId);
    if (previous !== undefined) this.abandon(previous, 'an AI SDK call that never reported its end before another call took its callId');
    this.calls.delete(callId);
    if (this.calls.size >= MAX_OPEN_CALLS) {
      const [oldestId, oldest] = this.calls.entries().next().value as [string, Call];
      this.calls.delete(oldestId);
      this.abandon(oldest, `an AI SDK call that never reported its end (a stream nobody read?), given up to keep at most ${MAX_OPEN_CALLS} calls open`);
    }
    this.calls.set(callId, call);
  }

  /** A call that never reported its end: how it ended is unknown, so its operations record nothing. */
  private abandon(call: Call, detail: string): void {
    if (call.model !== undefined) abandonOperation(call.model.op, detail);
    call.model = undefined;
    for (const op of call.inner.values()) abandonOperation(op, detail);
    call.inner.clear();
    if (call.outer !== undefined) abandonOperation(call.outer, detail);
  }

  private find(event: unknown): Call | undefined {
    return isObject(event) && typeof event.callId === 'string' ? this.calls.get(event.callId) : undefined;
  }

  private take(event: unknown): Call | undefined {
    const call = this.find(event);
    if (call !== undefined) this.calls.delete((event as Event).callId as string);
    return call;
  }

  /**
   * A model event of a call whose start was not seen (the integration was registered while the
   * call ran, or the SDK function reports no start): its operations have no outer parent.
   */
  private implicitCall(event: Event): Call | undefined {
    if (typeof event.callId !== 'string') return undefined;
    const monitor = this.settings.monitor ?? getPerformanceMonitor();
    const call: Call = { monitor, capture: this.settings.captureContent ?? monitor.captureContent, outer: undefined, model: undefined, inner: new Map() };
    this.open(event.callId, call);
    return call;
  }

  /**
   * Ends what is still open of a call: with its error when it failed, else (attempts the SDK
   * retried, which never reported an end) with `leftover`. The outer operation ends last.
   */
  private close(call: Call, error: unknown, failed: boolean): void {
    const leftover = failed ? error : new FailedAttemptError();
    call.model?.op.fail(leftover);
    call.model = undefined;
    for (const op of call.inner.values()) op.fail(leftover);
    call.inner.clear();
    if (failed) call.outer?.fail(error);
    else call.outer?.end();
  }
}
