import {
  SpanStatusCode,
  createContextKey,
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  type Meter,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '../instruments.js';
import { Operation, type OperationSink } from '../operation.js';
import type { PriceBook } from '../pricing/prices.js';
import { heapUsedBytes } from '../probes/memory.js';
import { countTokens, type TokenCounter } from '../probes/tokens.js';
import type { PercentileReader } from '../reader/percentile-reader.js';
import type { AttributePolicy } from './attributes.js';
import { SELF, type BreakdownSums } from './breakdown-sums.js';
import type { DropCounter, DropReason } from './dropped.js';
import { readRecordedOperation, type RecordedOperation } from './recorded-operation.js';
import { errorTypeOf, isErrorLike, messageOf, shown } from './errors.js';
import { MetricWriter } from './metric-writer.js';
import { operationContext } from './operation-context.js';
import { endWhenSettled } from './end-when-settled.js';
import { TypeTable } from './type-table.js';

/** Options of `trackOperation()`. */
export interface TrackOptions {
  /**
   * The parent: an Operation (the new one becomes its child) or an OTel Context. Default: the
   * active context, so the operation nests under whatever span is active.
   */
  parent?: Operation | Context;
}

export interface RecorderParts {
  meter: Meter;
  /** Undefined when tracing is off. */
  tracer: Tracer | undefined;
  contextManager: Pick<ContextManager, 'active' | 'with'>;
  reader: PercentileReader;
  /** Where ended operations' time goes, for the stage breakdown. */
  breakdown: BreakdownSums;
  attributes: AttributePolicy;
  drops: DropCounter;
  memoryTracking: boolean;
  captureContent: boolean;
  tokenCounter: TokenCounter;
  maxCustomTypes: number;
  cardinalityLimit: number;
  /** Value of the rag.health.status gauge at collection. */
  healthValue: () => number;
  prices: PriceBook;
}

type Callback<T> = (op: Operation) => T;

/** Attributes set by withAttributes(), carried in the context to operations started inside. */
const INHERITED_ATTRIBUTES = createContextKey('ragmeter.attributes');

/** A handle for a dropped operation: usable, records nothing; one per call so none share state. */
const untracked = (): Operation => new Operation(undefined, undefined, undefined, undefined, 0, 0, undefined);

/**
 * The hot path: starts and ends operations — their spans, context and handles — and hands them
 * to the metric writer. Owns the per-type table, the attribute policy and the drop counter.
 * Never throws into the host: what cannot be recorded is dropped and counted.
 */
/** Span attribute of an operation an integration gave up on (see Recorder.abandon). */
export const ATTR_ABANDONED = 'rag.operation.abandoned';

export class Recorder implements OperationSink {
  private readonly tracer: Tracer | undefined;
  private readonly ctx: Pick<ContextManager, 'active' | 'with'>;
  private readonly policy: AttributePolicy;
  private readonly drops: DropCounter;
  private readonly memoryTracking: boolean;
  private readonly captureContent: boolean;
  private readonly tokenCounter: TokenCounter;
  private readonly types: TypeTable;
  private readonly metrics: MetricWriter;
  private readonly breakdown: BreakdownSums;
  /**
   * Context key of the operation active in a context: the nearest operation of this monitor,
   * through any spans of other code in between, is the parent in the stage breakdown.
   */
  private readonly operationKey = Symbol('ragmeter.operation');

  constructor(parts: RecorderParts) {
    this.breakdown = parts.breakdown;
    this.tracer = parts.tracer;
    this.ctx = parts.contextManager;
    this.policy = parts.attributes;
    this.drops = parts.drops;
    this.memoryTracking = parts.memoryTracking;
    this.captureContent = parts.captureContent;
    this.tokenCounter = parts.tokenCounter;
    this.types = new TypeTable(parts.maxCustomTypes, parts.drops);
    this.metrics = new MetricWriter({
      meter: parts.meter,
      types: this.types,
      policy: this.policy,
      drops: this.drops,
      reader: parts.reader,
      cardinalityLimit: parts.cardinalityLimit,
      healthValue: parts.healthValue,
      prices: parts.prices,
    });
  }

  // ---- the hot path: track() and what it calls ---------------------------------------------

  track<T>(type: string, attributesOrFn: Attributes | undefined | Callback<T>, maybeFn?: Callback<T>): T {
    let attributes: Attributes | undefined;
    let fn: Callback<T>;
    if (typeof attributesOrFn === 'function') {
      fn = attributesOrFn;
    } else {
      attributes = attributesOrFn;
      fn = maybeFn as Callback<T>;
    }
    if (typeof fn !== 'function') {
      throw new TypeError('ragmeter: track(type, [attributes], fn) needs a callback function');
    }
    const op = this.start(type, attributes, undefined);
    let result: T;
    try {
      result = op.context === undefined ? fn(op) : this.ctx.with(op.context, fn, undefined, op);
    } catch (error) {
      op.fail(error);
      throw error;
    }
    if (result !== null && (typeof result === 'object' || typeof result === 'function')) endWhenSettled(result, op);
    else op.end();
    return result;
  }

  start(type: string, attributes: Attributes | undefined, parent: Operation | Context | undefined): Operation {
    try {
      const entry = this.types.get(type);
      if (entry === undefined) return untracked();
      const active = this.ctx.active();
      const parentContext = parent === undefined ? active : this.parentContext(parent, active);
      const inherited = parentContext.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
      let attrs = attributes === undefined ? undefined : this.policy.sanitize(attributes);
      if (inherited !== undefined) attrs = attrs === undefined ? inherited : { ...inherited, ...attrs };
      let span;
      if (this.tracer !== undefined) {
        span = this.tracer.startSpan(type, { attributes: entry.attrs }, parentContext);
        if (attrs !== undefined) span.setAttributes(attrs);
      }
      const op = new Operation(this, entry, span, undefined, performance.now(), this.memoryTracking ? heapUsedBytes() : 0, attrs);
      op.parent = parentContext.getValue(this.operationKey) as Operation | undefined;
      op.ctx = operationContext(parentContext, span, this.operationKey, op);
      return op;
    } catch (error) {
      this.drop('internal_error', `could not start an operation: ${shown(error)}`);
      return untracked();
    }
  }

  /** Records an ended operation. Called once per operation by Operation.end/fail. */
  finish(op: Operation, error: unknown, failed: boolean): void {
    try {
      const seconds = (performance.now() - op.startTime) / 1000;
      const memoryDelta = this.memoryTracking ? heapUsedBytes() - op.startHeap : undefined;
      const errorType = failed ? errorTypeOf(error) : undefined;
      const usd = this.metrics.record(
        op.entry!,
        seconds,
        errorType,
        op.inputTokens,
        op.outputTokens,
        op.otherTokens,
        op.cachedInputTokens,
        op.cacheWriteInputTokens,
        memoryDelta,
        op.attributes,
      );
      this.foldTime(op.entry!.name, seconds, op.parent, op.childSeconds);
      op.parent = undefined; // a long-lived handle does not keep its parent alive
      const span = op.span;
      if (span !== undefined) {
        if (op.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', op.inputTokens);
        if (op.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', op.outputTokens);
        if (op.cachedInputTokens !== undefined) span.setAttribute('gen_ai.usage.cache_read.input_tokens', op.cachedInputTokens);
        if (op.cacheWriteInputTokens !== undefined) span.setAttribute('gen_ai.usage.cache_creation.input_tokens', op.cacheWriteInputTokens);
        if (usd !== undefined) span.setAttribute('rag.operation.cost_usd', usd);
        if (op.otherTokens !== undefined) span.setAttribute('rag.operation.tokens', op.otherTokens);
        if (memoryDelta !== undefined) span.setAttribute('rag.operation.memory_delta_bytes', memoryDelta);
        if (failed) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType!);
          try {
            if (isErrorLike(error) || typeof error === 'string') span.recordException(error);
          } catch {
            // an error whose fields throw: the span still ends, failed
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
        }
        span.end();
      }
    } catch (e) {
      this.drop('internal_error', `could not record an operation: ${shown(e)}`);
    }
  }

  /**
   * An operation that will never end (its library never reported the end: a stream left early,
   * an event that never came) and that an integration gives up on to bound its memory. Nothing
   * about it is known, so it records no metrics and is counted as `abandoned_operation`; its
   * span ends, marked `rag.operation.abandoned`, so the spans under it are not orphans.
   */
  abandon(op: Operation, detail: string): void {
    try {
      op.parent = undefined;
      this.drops.drop('abandoned_operation', detail);
      const span = op.span;
      if (span !== undefined) {
        span.setAttribute(ATTR_ABANDONED, true);
        span.end();
      }
    } catch (e) {
      this.drop('internal_error', `could not abandon an operation: ${shown(e)}`);
    }
  }

  /**
   * The stage breakdown: an operation's time goes to its parent while the parent runs (a child
   * still running when its parent ends — fire-and-forget work — is left out of the parent's
   * breakdown, whose time was folded when it ended), and its own time, with that of its
   * children, is folded into the per-type sums.
   */
  private foldTime(type: string, seconds: number, parent: Operation | undefined, children: Map<string, number> | undefined): void {
    if (parent !== undefined && !parent.ended && type !== SELF) parent.addChild(type, seconds);
    this.breakdown.fold(type, seconds, children);
  }

  // ---- context -------------------------------------------------------------------------------

  withAttributes<T>(attributes: Attributes, fn: () => T): T {
    if (typeof fn !== 'function') {
      throw new TypeError('ragmeter: withAttributes(attributes, fn) needs a callback function');
    }
    const active = this.ctx.active();
    const clean = this.policy.sanitize(attributes);
    if (clean === undefined) return fn();
    const outer = active.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
    return this.ctx.with(active.setValue(INHERITED_ATTRIBUTES, outer === undefined ? clean : { ...outer, ...clean }), fn);
  }

  /** The context an explicit parent stands for: an OTel Context as is, an Operation's own. */
  private parentContext(parent: Operation | Context, active: Context): Context {
    if (parent !== null && typeof parent === 'object') {
      if (typeof (parent as Context).getValue === 'function') return parent as Context;
      if ('context' in parent) return parent.context ?? active;
    }
    this.drop('invalid_arguments', `trackOperation() option "parent" must be an Operation or an OTel Context, got ${shown(parent)}`);
    return active;
  }

  // ---- operations measured elsewhere --------------------------------------------------------

  /**
   * Invalid durations drop the operation; invalid token or memory values drop just that
   * value. A span is created with its start set back by the duration.
   */
  recordOperation(operation: RecordedOperation): void {
    try {
      if (operation === null || typeof operation !== 'object') {
        return this.drop('invalid_arguments', `recordOperation() needs an object, got ${shown(operation)}`);
      }
      const entry = this.types.get(operation.type);
      if (entry === undefined) return;
      const valid = readRecordedOperation(operation, this.drops);
      if (valid === undefined) return;
      const active = this.ctx.active();
      const inherited = active.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
      let attrs = operation.attributes === undefined ? undefined : this.policy.sanitize(operation.attributes);
      if (inherited !== undefined) attrs = attrs === undefined ? inherited : { ...inherited, ...attrs };
      const { seconds, errorType, input, output, other } = valid;
      const usd = this.metrics.record(entry, seconds, errorType, input, output, other, valid.cachedInput, valid.cacheWriteInput, valid.memoryDeltaBytes, attrs);
      this.foldTime(entry.name, seconds, active.getValue(this.operationKey) as Operation | undefined, undefined);

      if (this.tracer !== undefined) {
        const end = Date.now();
        const span = this.tracer.startSpan(entry.name, { attributes: entry.attrs, startTime: end - seconds * 1000 }, active);
        if (attrs !== undefined) span.setAttributes(attrs);
        if (input !== undefined) span.setAttribute('gen_ai.usage.input_tokens', input);
        if (output !== undefined) span.setAttribute('gen_ai.usage.output_tokens', output);
        if (valid.cachedInput !== undefined) span.setAttribute('gen_ai.usage.cache_read.input_tokens', valid.cachedInput);
        if (valid.cacheWriteInput !== undefined) span.setAttribute('gen_ai.usage.cache_creation.input_tokens', valid.cacheWriteInput);
        if (usd !== undefined) span.setAttribute('rag.operation.cost_usd', usd);
        if (errorType !== undefined) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end(end);
      }
    } catch (e) {
      this.drop('internal_error', `could not record an operation: ${shown(e)}`);
    }
  }

  // ---- OperationSink: what an Operation reports --------------------------------------------

  invalidTokens(what: string, value: unknown): void {
    this.drop('invalid_token_count', `${what} must be a finite number >= 0, got ${shown(value)}`);
  }

  unreadable(what: string, error: unknown): void {
    this.drop('invalid_arguments', `${what} could not read its argument: ${shown(error)}`);
  }

  invalidDuration(what: string, value: unknown): void {
    this.drop('invalid_duration', `${what} must be a finite number of seconds >= 0, got ${shown(value)}`);
  }

  runIn<T>(context: Context, fn: () => T): T {
    return this.ctx.with(context, fn);
  }

  firstToken(op: Operation, seconds: number): void {
    try {
      op.span?.addEvent('gen_ai.first_token');
      op.span?.setAttribute('rag.operation.time_to_first_token_seconds', seconds);
      this.metrics.firstToken(op.entry!, op.attributes, seconds);
    } catch (e) {
      this.drop('internal_error', `could not record time to first token: ${shown(e)}`);
    }
  }

  countTokens(text: string | readonly string[]): number {
    return countTokens(text, this.tokenCounter);
  }

  setAttribute(op: Operation, key: string, value: unknown): void {
    const clean = this.policy.sanitize({ [key]: value as AttributeValue });
    if (clean === undefined || clean[key] === undefined) return;
    op.attributes = { ...op.attributes, ...clean };
    op.span?.setAttribute(key, clean[key]!);
  }

  /** Content capture is opt-in; with it (or `always`), prompt and response text go on the span. */
  captureText(op: Operation, prompt: string | undefined, response: string | undefined, always: boolean): void {
    if ((!always && !this.captureContent) || op.span === undefined) return;
    if (prompt !== undefined) op.span.setAttribute('gen_ai.prompt', this.policy.text(prompt));
    if (response !== undefined) op.span.setAttribute('gen_ai.completion', this.policy.text(response));
  }

  private drop(reason: DropReason, detail: string): void {
    this.drops.drop(reason, detail);
  }
}
