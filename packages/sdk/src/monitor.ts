import {
  ROOT_CONTEXT,
  SpanStatusCode,
  context as contextApi,
  createContextKey,
  diag,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider as ApiMeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { DropCounter, type DropReason } from './dropped.js';
import type { RagMeterServer } from './http/server.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_OPERATION_TYPE,
  ATTR_TOKEN_TYPE,
  DURATION_BUCKETS_SECONDS,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTS,
  METRIC_GEN_AI_DURATION,
  METRIC_GEN_AI_TOKENS,
  METRIC_HEALTH_STATUS,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_TOKENS,
  METRIC_OPERATION_TTFT,
  METRIC_SDK_DROPPED,
  TOKEN_BUCKETS,
} from './instruments.js';
import { Operation, type OperationSink, type TypeEntry } from './operation.js';
import { OperationType, isBuiltInOperationType, isValidOperationTypeName } from './operation-type.js';
import { BYTES_PER_MB, RssSampler, heapUsedBytes } from './probes/memory.js';
import { countTokens, openAiTokenCounter, type TokenCounter } from './probes/tokens.js';
import { PercentileReader, type TypeAggregate } from './reader/percentile-reader.js';
import { formatReport } from './report/format.js';
import { evaluateHealth, type HealthThresholds } from './report/health.js';
import { buildReport } from './report/report.js';
import type { HealthStatus, MemoryStats, PerformanceStats, Report } from './report/types.js';
import { VERSION } from './version.js';

/** Options of a {@link PerformanceMonitor}. Every field is optional. */
export interface PerformanceMonitorOptions {
  /** Measure the V8 heap-used change across each operation. Default true. */
  memoryTracking?: boolean;
  /** Create a span per operation. Default true; false gives a metrics-only monitor. */
  tracing?: boolean;
  /** Spans go to this provider (e.g. the application's). Default: a private BasicTracerProvider. */
  tracerProvider?: TracerProvider;
  /** Span processors of the private tracer provider (ignored with `tracerProvider`). */
  spanProcessors?: SpanProcessor[];
  /**
   * Record on this meter provider (e.g. the application's NodeSDK) instead of a private one.
   * It must have `percentileReader` registered as one of its readers.
   */
  meterProvider?: ApiMeterProvider;
  /** The reader behind the report; required with `meterProvider`, created otherwise. */
  percentileReader?: PercentileReader;
  /** More readers for the private meter provider (Prometheus, OTLP...). */
  metricReaders?: IMetricReader[];
  /** Resource of the private providers. */
  resource?: Resource;
  /** Longest recent window a report can cover, seconds; health looks at this window. Default 300. */
  windowSeconds?: number;
  /** Health thresholds. */
  health?: HealthThresholds;
  /**
   * User attribute keys that also become metric attributes (labels). Others go on spans only,
   * which keeps metric cardinality bounded. Default: ['gen_ai.request.model'].
   */
  metricAttributes?: readonly string[];
  /** String attribute values are cut to this length. Default 256. */
  maxAttributeValueLength?: number;
  /** User attributes per operation; extra ones are dropped and counted. Default 32. */
  maxAttributesPerOperation?: number;
  /** Custom operation type names accepted; later new names are dropped and counted. Default 100. */
  maxCustomTypes?: number;
  /** Metric series per instrument (OTel cardinality limit). Default 2000. */
  cardinalityLimit?: number;
  /** Record prompt/response text on spans (setTokensFromText). Default false: never. */
  captureContent?: boolean;
  /** Tokenizer for setTokensFromText() / countTokens(). Default: o200k_base. */
  tokenCounter?: TokenCounter;
  /** RSS sampling period for getMemoryStats(), ms (0: only on read). Default 1000. */
  memorySampleIntervalMs?: number;
}

/** Options of {@link PerformanceMonitor.generateReport}. */
export interface ReportOptions {
  /** Cover only the last this-many seconds (up to the monitor's windowSeconds). */
  windowSeconds?: number;
}

/** Input of {@link PerformanceMonitor.recordOperation}: an operation measured elsewhere. */
export interface RecordedOperation {
  type: string;
  durationSeconds: number;
  /** Default true. */
  success?: boolean;
  /** Error type for a failure (becomes error.type). Default 'Error'. */
  errorType?: string;
  /** Total tokens when there is no input/output split. */
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Memory change, MB (2^20 bytes); can be negative. */
  memoryDeltaMb?: number;
  attributes?: Attributes;
}

/** Options of {@link PerformanceMonitor.trackOperation}. */
export interface TrackOptions {
  /**
   * The parent: an Operation (the new one becomes its child) or an OTel Context. Default: the
   * active context, so the operation nests under whatever span is active.
   */
  parent?: Operation | Context;
}

type Callback<T> = (op: Operation) => T;

/** Attributes set by withAttributes(), carried in the context to operations started inside. */
const INHERITED_ATTRIBUTES = createContextKey('ragmeter.attributes');

const GEN_AI_KEYS = [ATTR_GEN_AI_REQUEST_MODEL, 'gen_ai.provider.name'] as const;
const MAX_ERROR_TYPES_PER_OPERATION_TYPE = 32;
const OTHER_ERROR = '_OTHER';
const MEMORY_OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });
/** A handle for a dropped operation: usable, records nothing; one per call so none share state. */
const untracked = (): Operation => new Operation(undefined, undefined, undefined, undefined, 0, 0, undefined);

/** True when the application registered an OTel context manager (e.g. through NodeSDK). */
function hasGlobalContextManager(): boolean {
  const key = createContextKey('ragmeter.probe');
  return contextApi.with(ROOT_CONTEXT.setValue(key, true), () => contextApi.active().getValue(key) === true);
}

function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const name = error.constructor?.name || error.name;
    return name && name !== 'Object' ? name.slice(0, 64) : 'Error';
  }
  return OTHER_ERROR;
}

const positiveNumber = (key: string, v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`ragmeter: option "${key}" must be a positive number, got ${String(v)}`);
  }
  return v;
};

/**
 * Tracks RAG operations as OTel spans and metrics and answers percentile reports and health
 * from its in-memory reader. Instrumentation methods never throw (invalid values are dropped
 * and counted); a user's own error thrown inside `track()` comes back unchanged.
 */
export class PerformanceMonitor implements OperationSink {
  /** The MetricReader behind the report. */
  readonly percentileReader: PercentileReader;
  readonly windowSeconds: number;
  /** The meter provider ragmeter records on (its own, or the one given in the options). */
  readonly meterProvider: ApiMeterProvider;
  /** The tracer provider spans go to; undefined when tracing is off. */
  readonly tracerProvider: TracerProvider | undefined;
  /** The /metrics, /report, /health server when startRagMeter() started one. */
  server: RagMeterServer | undefined;
  /** Whether prompt and response text are recorded on spans (option `captureContent`). */
  readonly captureContent: boolean;

  private readonly meter: Meter;
  private readonly tracer: Tracer | undefined;
  private readonly ctx: { active(): Context; with: typeof contextApi.with };
  private readonly ownMeterProvider: MeterProvider | undefined;
  private readonly ownTracerProvider: BasicTracerProvider | undefined;
  private readonly memoryTracking: boolean;
  private warnedNoTokens = false;
  private readonly tokenCounter: TokenCounter;
  private readonly healthThresholds: HealthThresholds;
  private readonly metricAttributeKeys: ReadonlySet<string>;
  private readonly maxValueLength: number;
  private readonly maxAttributes: number;
  private readonly maxCustomTypes: number;
  private readonly drops = new DropCounter();
  private readonly sampler: RssSampler;
  private readonly types = new Map<string, TypeEntry>();
  private customTypes = 0;
  private lastHealthy = 1;
  /** While a clear is in flight, metric records wait here so they land after it. */
  private deferred: (() => void)[] | undefined;
  private clearing: Promise<void> = Promise.resolve();
  private isShutdown = false;
  private readonly shutdownHooks: (() => Promise<unknown> | unknown)[] = [];

  private readonly durationHistogram: Histogram;
  private readonly tokenHistogram: Histogram;
  private readonly ttftHistogram: Histogram;
  /**
   * Memory deltas summed per attribute set (base attributes, then metric labels as JSON) and
   * observed at collection by an ObservableUpDownCounter: a synchronous add() would hash the
   * attributes on every operation, once per reader (~0.6 µs each). At most memorySeriesLimit.
   */
  private readonly memorySums = new Map<Attributes, Map<string, { attributes: Attributes; bytes: number }>>();
  private memorySeries = 0;
  private readonly memorySeriesLimit: number;
  private readonly genAiDuration: Histogram;
  private readonly genAiTokens: Histogram;

  constructor(options: PerformanceMonitorOptions = {}) {
    this.windowSeconds = positiveNumber('windowSeconds', options.windowSeconds) ?? 300;
    this.memoryTracking = options.memoryTracking ?? true;
    this.captureContent = options.captureContent ?? false;
    this.tokenCounter = options.tokenCounter ?? openAiTokenCounter;
    this.healthThresholds = { ...options.health };
    this.metricAttributeKeys = new Set(options.metricAttributes ?? [ATTR_GEN_AI_REQUEST_MODEL]);
    this.maxValueLength = positiveNumber('maxAttributeValueLength', options.maxAttributeValueLength) ?? 256;
    this.maxAttributes = positiveNumber('maxAttributesPerOperation', options.maxAttributesPerOperation) ?? 32;
    this.maxCustomTypes = options.maxCustomTypes ?? 100;

    if (options.meterProvider !== undefined && options.percentileReader === undefined) {
      throw new TypeError(
        'ragmeter: option "meterProvider" needs "percentileReader" too: register a PercentileReader on that provider and pass it',
      );
    }
    this.percentileReader =
      options.percentileReader ??
      new PercentileReader({
        windowSeconds: this.windowSeconds,
        cardinalityLimit: options.cardinalityLimit,
        onCollect: () => this.updateHealthGauge(),
      });
    let meterProvider = options.meterProvider;
    if (meterProvider === undefined) {
      this.ownMeterProvider = new MeterProvider({
        resource: options.resource,
        readers: [this.percentileReader, ...(options.metricReaders ?? [])],
      });
      meterProvider = this.ownMeterProvider;
    }
    this.meterProvider = meterProvider;
    this.meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE, VERSION);

    if (options.tracing !== false) {
      let tracerProvider = options.tracerProvider;
      if (tracerProvider === undefined) {
        this.ownTracerProvider = new BasicTracerProvider({
          resource: options.resource,
          spanProcessors: options.spanProcessors ?? [],
        });
        tracerProvider = this.ownTracerProvider;
      }
      this.tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE, VERSION);
      this.tracerProvider = tracerProvider;
    }
    // Nested operations need a context manager. Use the application's when it registered one,
    // so our spans nest under its spans too; otherwise a private one (nothing global touched).
    this.ctx = hasGlobalContextManager() ? contextApi : new AsyncLocalStorageContextManager().enable();

    const spec = (name: string) => INSTRUMENTS.find((i) => i.name === name)!;
    const histogram = (name: string, buckets: readonly number[]) =>
      this.meter.createHistogram(name, {
        unit: spec(name).unit,
        description: spec(name).description,
        advice: { explicitBucketBoundaries: [...buckets] },
      });
    this.durationHistogram = histogram(METRIC_OPERATION_DURATION, DURATION_BUCKETS_SECONDS);
    this.tokenHistogram = histogram(METRIC_OPERATION_TOKENS, TOKEN_BUCKETS);
    this.ttftHistogram = histogram(METRIC_OPERATION_TTFT, DURATION_BUCKETS_SECONDS);
    this.genAiDuration = histogram(METRIC_GEN_AI_DURATION, GEN_AI_DURATION_BUCKETS_SECONDS);
    this.genAiTokens = histogram(METRIC_GEN_AI_TOKENS, TOKEN_BUCKETS);
    this.memorySeriesLimit = options.cardinalityLimit ?? 2000;
    this.meter
      .createObservableUpDownCounter(METRIC_OPERATION_MEMORY_DELTA, {
        unit: spec(METRIC_OPERATION_MEMORY_DELTA).unit,
        description: spec(METRIC_OPERATION_MEMORY_DELTA).description,
      })
      .addCallback((result) => {
        for (const byLabels of this.memorySums.values()) {
          for (const sum of byLabels.values()) result.observe(sum.bytes, sum.attributes);
        }
      });
    const dropped: Counter = this.meter.createCounter(METRIC_SDK_DROPPED, {
      unit: spec(METRIC_SDK_DROPPED).unit,
      description: spec(METRIC_SDK_DROPPED).description,
    });
    this.drops.attach(dropped);
    this.meter
      .createObservableGauge(METRIC_HEALTH_STATUS, { description: spec(METRIC_HEALTH_STATUS).description })
      .addCallback((result) => result.observe(this.lastHealthy));

    this.sampler = new RssSampler(options.memorySampleIntervalMs ?? 1000);
  }

  // ---- tracking: the hot path ------------------------------------------------------------

  /**
   * Runs `fn` as a tracked operation of `type`: a span (active inside `fn`, so nested
   * operations become its children, across `await` too) plus duration, token and memory
   * metrics. Returns what `fn` returns — synchronously for a sync `fn`; rethrows its error
   * unchanged after marking the operation failed.
   */
  track<T>(type: string, fn: Callback<T>): T;
  track<T>(type: string, attributes: Attributes | undefined, fn: Callback<T>): T;
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
    const op = this.start(type, attributes);
    let result: T;
    try {
      result = op.context === undefined ? fn(op) : this.ctx.with(op.context, fn, undefined, op);
    } catch (error) {
      op.fail(error);
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as PromiseLike<unknown>).then(
        (value) => {
          op.end();
          return value;
        },
        (error: unknown) => {
          op.fail(error);
          throw error;
        },
      ) as T;
    }
    op.end();
    return result;
  }

  /**
   * Starts an operation and returns its handle; end it with `op.end()` / `op.fail(error)`,
   * or `using op = ...`. Its span is a child of the active span but is not made active: use
   * `track()` when nested operations should become its children.
   */
  trackOperation(type: string, attributes?: Attributes, options?: TrackOptions): Operation {
    return this.start(type, attributes, options?.parent);
  }

  /**
   * Runs `fn` with `attributes` carried to every operation started inside it (across `await`
   * too), as span attributes; they become metric labels only for keys in `metricAttributes`.
   * Nested calls add to the outer attributes; an operation's own attributes win. Returns what
   * `fn` returns.
   */
  withAttributes<T>(attributes: Attributes, fn: () => T): T {
    if (typeof fn !== 'function') {
      throw new TypeError('ragmeter: withAttributes(attributes, fn) needs a callback function');
    }
    const active = this.ctx.active();
    const clean = this.sanitize(attributes);
    if (clean === undefined) return fn();
    const outer = active.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
    return this.ctx.with(active.setValue(INHERITED_ATTRIBUTES, outer === undefined ? clean : { ...outer, ...clean }), fn);
  }

  private start(type: string, attributes: Attributes | undefined, parent?: Operation | Context): Operation {
    try {
      const entry = this.types.get(type) ?? this.resolveType(type);
      if (entry === undefined) return untracked();
      const active = this.ctx.active();
      const parentContext = parent === undefined ? active : this.parentContext(parent, active);
      const inherited = parentContext.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
      let attrs = attributes === undefined ? undefined : this.sanitize(attributes);
      if (inherited !== undefined) attrs = attrs === undefined ? inherited : { ...inherited, ...attrs };
      let span;
      let ctx: Context | undefined = parentContext === active ? undefined : parentContext;
      if (this.tracer !== undefined) {
        span = this.tracer.startSpan(type, { attributes: entry.attrs }, parentContext);
        if (attrs !== undefined) span.setAttributes(attrs);
        ctx = trace.setSpan(parentContext, span);
      }
      return new Operation(this, entry, span, ctx, performance.now(), this.memoryTracking ? heapUsedBytes() : 0, attrs);
    } catch (error) {
      this.drop('internal_error', `could not start an operation: ${String(error)}`);
      return untracked();
    }
  }

  /** The context an explicit parent stands for: an OTel Context as is, an Operation's own. */
  private parentContext(parent: Operation | Context, active: Context): Context {
    if (parent !== null && typeof parent === 'object') {
      if (typeof (parent as Context).getValue === 'function') return parent as Context;
      if ('context' in parent) return parent.context ?? active;
    }
    this.drop('invalid_arguments', `trackOperation() option "parent" must be an Operation or an OTel Context, got ${String(parent)}`);
    return active;
  }

  /** @internal Records an ended operation. Called once per operation by Operation.end/fail. */
  finish(op: Operation, error: unknown, failed: boolean): void {
    try {
      const seconds = (performance.now() - op.startTime) / 1000;
      const memoryDelta = this.memoryTracking ? heapUsedBytes() - op.startHeap : undefined;
      const errorType = failed ? errorTypeOf(error) : undefined;
      this.record(op.entry!, seconds, errorType, op.inputTokens, op.outputTokens, op.otherTokens, memoryDelta, op.attributes);
      const span = op.span;
      if (span !== undefined) {
        if (op.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', op.inputTokens);
        if (op.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', op.outputTokens);
        if (op.otherTokens !== undefined) span.setAttribute('rag.operation.tokens', op.otherTokens);
        if (memoryDelta !== undefined) span.setAttribute('rag.operation.memory_delta_bytes', memoryDelta);
        if (failed) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType!);
          if (error instanceof Error || typeof error === 'string') span.recordException(error);
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
          });
        }
        span.end();
      }
    } catch (e) {
      this.drop('internal_error', `could not record an operation: ${String(e)}`);
    }
  }

  private record(
    entry: TypeEntry,
    seconds: number,
    errorType: string | undefined,
    input: number | undefined,
    output: number | undefined,
    other: number | undefined,
    memoryDeltaBytes: number | undefined,
    userAttributes: Attributes | undefined,
  ): void {
    if (this.deferred !== undefined) {
      this.deferred.push(() =>
        this.record(entry, seconds, errorType, input, output, other, memoryDeltaBytes, userAttributes),
      );
      return;
    }
    const base = errorType === undefined ? entry.attrs : this.failureAttributes(entry, errorType);
    const labels = userAttributes === undefined ? undefined : this.metricLabels(userAttributes);
    const attrs = labels === undefined ? base : { ...base, ...labels };
    this.durationHistogram.record(seconds, attrs);
    if (memoryDeltaBytes !== undefined) this.addMemoryDelta(base, labels, attrs, memoryDeltaBytes);
    if (input !== undefined || output !== undefined || other !== undefined) {
      const plain = labels === undefined;
      if (input !== undefined) {
        this.tokenHistogram.record(input, plain ? entry.inputAttrs : { ...entry.inputAttrs, ...labels });
      }
      if (output !== undefined) {
        this.tokenHistogram.record(output, plain ? entry.outputAttrs : { ...entry.outputAttrs, ...labels });
      }
      if (other !== undefined) this.tokenHistogram.record(other, plain ? entry.attrs : { ...entry.attrs, ...labels });
    }
    if (entry.genAiOperation !== undefined) {
      this.recordGenAi(entry.genAiOperation, seconds, errorType, input, output, userAttributes);
      if (entry.genAiOperation === 'chat' && errorType === undefined && input === undefined && output === undefined && other === undefined) {
        this.warnNoTokens();
      }
    }
  }

  /** A forgotten setUsage() would silently record 0 tokens: say so, once. */
  private warnNoTokens(): void {
    if (this.warnedNoTokens) return;
    this.warnedNoTokens = true;
    const message =
      'ragmeter: an llm_inference operation ended with no token counts, so it records 0 tokens. ' +
      'Set them with op.setUsage(response.usage), op.setTokens() or op.setTokensFromText(), ' +
      'or use @ragmeter/openai / @ragmeter/anthropic, which do it for you. (Warned once.)';
    diag.warn(message);
    process.emitWarning(message, { type: 'RagMeterWarning', code: 'RAGMETER_NO_TOKENS' });
  }

  /** Adds to the memory-delta sum of an attribute set; `base` is a cached (per type and error) object. */
  private addMemoryDelta(base: Attributes, labels: Attributes | undefined, attrs: Attributes, bytes: number): void {
    const key = labels === undefined ? '' : JSON.stringify(labels);
    const sum = this.memorySums.get(base)?.get(key) ?? this.newMemorySum(base, key, attrs);
    sum.bytes += bytes;
  }

  /** A new memory-delta series; past the limit, like OTel's cardinality limit, the overflow series. */
  private newMemorySum(base: Attributes, key: string, attrs: Attributes): { attributes: Attributes; bytes: number } {
    const overflow = this.memorySeries >= this.memorySeriesLimit;
    const outer = overflow ? MEMORY_OVERFLOW : base;
    const inner = overflow ? '' : key;
    let byLabels = this.memorySums.get(outer);
    if (byLabels === undefined) this.memorySums.set(outer, (byLabels = new Map()));
    let sum = byLabels.get(inner);
    if (sum === undefined) {
      byLabels.set(inner, (sum = { attributes: overflow ? MEMORY_OVERFLOW : attrs, bytes: 0 }));
      this.memorySeries++;
    }
    return sum;
  }

  /** GenAI semantic-convention client metrics for LLM and embedding operations. */
  private recordGenAi(
    operation: string,
    seconds: number,
    errorType: string | undefined,
    input: number | undefined,
    output: number | undefined,
    userAttributes: Attributes | undefined,
  ): void {
    const attrs: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation };
    if (userAttributes !== undefined) {
      for (const key of GEN_AI_KEYS) {
        const v = userAttributes[key];
        if (v !== undefined) attrs[key] = v;
      }
    }
    this.genAiTokensRecord(input, 'input', attrs);
    this.genAiTokensRecord(output, 'output', attrs);
    if (errorType !== undefined) attrs[ATTR_ERROR_TYPE] = errorType;
    this.genAiDuration.record(seconds, attrs);
  }

  private genAiTokensRecord(count: number | undefined, kind: string, attrs: Attributes): void {
    if (count !== undefined) this.genAiTokens.record(count, { ...attrs, [ATTR_TOKEN_TYPE]: kind });
  }

  /**
   * Records an operation measured elsewhere (a span is created with its start time set back by
   * the duration). Invalid durations drop the operation; invalid token or memory values drop
   * just that value. All drops are counted in the report.
   */
  recordOperation(operation: RecordedOperation): void {
    try {
      if (operation === null || typeof operation !== 'object') {
        return this.drop('invalid_arguments', `recordOperation() needs an object, got ${String(operation)}`);
      }
      const entry = this.types.get(operation.type) ?? this.resolveType(operation.type);
      if (entry === undefined) return;
      const seconds = operation.durationSeconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        return this.drop('invalid_duration', `durationSeconds must be a finite number >= 0, got ${String(seconds)}`);
      }
      const count = (what: string, v: unknown): number | undefined => {
        if (v === undefined) return undefined;
        if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
        this.invalidTokens(what, v);
        return undefined;
      };
      const input = count('inputTokens', operation.inputTokens);
      const output = count('outputTokens', operation.outputTokens);
      const other = count('tokens', operation.tokens);
      let memoryDeltaBytes: number | undefined;
      if (operation.memoryDeltaMb !== undefined) {
        if (typeof operation.memoryDeltaMb === 'number' && Number.isFinite(operation.memoryDeltaMb)) {
          memoryDeltaBytes = operation.memoryDeltaMb * BYTES_PER_MB;
        } else {
          this.drop('invalid_memory_delta', `memoryDeltaMb must be a finite number, got ${String(operation.memoryDeltaMb)}`);
        }
      }
      const active = this.ctx.active();
      const inherited = active.getValue(INHERITED_ATTRIBUTES) as Attributes | undefined;
      let attrs = operation.attributes === undefined ? undefined : this.sanitize(operation.attributes);
      if (inherited !== undefined) attrs = attrs === undefined ? inherited : { ...inherited, ...attrs };
      const failed = operation.success === false;
      const errorType = failed ? (operation.errorType ?? 'Error').slice(0, 64) : undefined;
      this.record(entry, seconds, errorType, input, output, other, memoryDeltaBytes, attrs);

      if (this.tracer !== undefined) {
        const end = Date.now();
        const span = this.tracer.startSpan(
          entry.name,
          { attributes: entry.attrs, startTime: end - seconds * 1000 },
          active,
        );
        if (attrs !== undefined) span.setAttributes(attrs);
        if (input !== undefined) span.setAttribute('gen_ai.usage.input_tokens', input);
        if (output !== undefined) span.setAttribute('gen_ai.usage.output_tokens', output);
        if (failed) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType!);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end(end);
      }
    } catch (e) {
      this.drop('internal_error', `could not record an operation: ${String(e)}`);
    }
  }

  // ---- OperationSink ---------------------------------------------------------------------

  /** @internal */
  invalidTokens(what: string, value: unknown): void {
    this.drop('invalid_token_count', `${what} must be a finite number >= 0, got ${String(value)}`);
  }

  /** @internal */
  invalidDuration(what: string, value: unknown): void {
    this.drop('invalid_duration', `${what} must be a finite number of seconds >= 0, got ${String(value)}`);
  }

  /** @internal */
  runIn<T>(context: Context, fn: () => T): T {
    return this.ctx.with(context, fn);
  }

  /** @internal */
  firstToken(op: Operation, seconds: number): void {
    try {
      op.span?.addEvent('gen_ai.first_token');
      op.span?.setAttribute('rag.operation.time_to_first_token_seconds', seconds);
      const labels = op.attributes === undefined ? undefined : this.metricLabels(op.attributes);
      this.ttftHistogram.record(seconds, labels === undefined ? op.entry!.attrs : { ...op.entry!.attrs, ...labels });
    } catch (e) {
      this.drop('internal_error', `could not record time to first token: ${String(e)}`);
    }
  }

  /** @internal */
  countTokens(text: string | readonly string[]): number {
    return countTokens(text, this.tokenCounter);
  }

  /** @internal */
  setAttribute(op: Operation, key: string, value: unknown): void {
    const clean = this.sanitize({ [key]: value as AttributeValue });
    if (clean === undefined || clean[key] === undefined) return;
    op.attributes = { ...op.attributes, ...clean };
    op.span?.setAttribute(key, clean[key]!);
  }

  /** @internal Content capture is opt-in; with it, prompt and response text go on the span. */
  captureText(op: Operation, prompt: string | undefined, response: string | undefined, always: boolean): void {
    if ((!always && !this.captureContent) || op.span === undefined) return;
    if (prompt !== undefined) op.span.setAttribute('gen_ai.prompt', prompt.slice(0, 8 * this.maxValueLength));
    if (response !== undefined) op.span.setAttribute('gen_ai.completion', response.slice(0, 8 * this.maxValueLength));
  }

  // ---- validation ------------------------------------------------------------------------

  private resolveType(type: string): TypeEntry | undefined {
    if (!isValidOperationTypeName(type)) {
      this.drop(
        'invalid_operation_type',
        `operation type ${JSON.stringify(type)} is not a built-in type nor a name matching /^[a-z][a-z0-9_]{0,62}$/`,
      );
      return undefined;
    }
    if (!isBuiltInOperationType(type)) {
      if (this.customTypes >= this.maxCustomTypes) {
        this.drop('custom_type_limit', `custom operation type "${type}" is over the limit of ${this.maxCustomTypes} custom types`);
        return undefined;
      }
      this.customTypes++;
    }
    const attrs = Object.freeze({ [ATTR_OPERATION_TYPE]: type });
    const entry: TypeEntry = {
      name: type,
      attrs,
      inputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'input' }),
      outputAttrs: Object.freeze({ ...attrs, [ATTR_TOKEN_TYPE]: 'output' }),
      failAttrs: new Map(),
      genAiOperation:
        type === OperationType.LLM_INFERENCE ? 'chat' : type === OperationType.EMBEDDING_GENERATION ? 'embeddings' : undefined,
    };
    this.types.set(type, entry);
    return entry;
  }

  private failureAttributes(entry: TypeEntry, errorType: string): Attributes {
    let attrs = entry.failAttrs.get(errorType);
    if (attrs === undefined) {
      if (entry.failAttrs.size >= MAX_ERROR_TYPES_PER_OPERATION_TYPE) return this.failureAttributes(entry, OTHER_ERROR);
      attrs = Object.freeze({ ...entry.attrs, [ATTR_ERROR_TYPE]: errorType });
      entry.failAttrs.set(errorType, attrs);
    }
    return attrs;
  }

  /** Keeps primitive (and homogeneous primitive array) values, truncating long strings. */
  private sanitize(attributes: Attributes): Attributes | undefined {
    if (attributes === null || typeof attributes !== 'object') {
      this.drop('invalid_attribute', `attributes must be an object, got ${String(attributes)}`);
      return undefined;
    }
    let out: Attributes | undefined;
    let n = 0;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      if (n >= this.maxAttributes) {
        this.drop('invalid_attribute', `more than ${this.maxAttributes} attributes on one operation ("${key}" and later)`);
        break;
      }
      const clean = this.cleanValue(value);
      if (clean === undefined) {
        this.drop('invalid_attribute', `attribute "${key}" must be a string, number, boolean or an array of one of those`);
        continue;
      }
      (out ??= {})[key] = clean;
      n++;
    }
    return out;
  }

  private cleanValue(value: unknown): AttributeValue | undefined {
    switch (typeof value) {
      case 'string':
        return value.length > this.maxValueLength ? value.slice(0, this.maxValueLength) : value;
      case 'number':
      case 'boolean':
        return value;
      default:
        if (Array.isArray(value) && value.length <= 64) {
          const kind = typeof value[0];
          if ((kind === 'string' || kind === 'number' || kind === 'boolean') && value.every((v) => typeof v === kind)) {
            return kind === 'string' ? value.map((v: string) => v.slice(0, this.maxValueLength)) : (value as AttributeValue);
          }
        }
        return undefined;
    }
  }

  private metricLabels(attributes: Attributes): Attributes | undefined {
    let out: Attributes | undefined;
    for (const key of this.metricAttributeKeys) {
      const v = attributes[key];
      if (v !== undefined && !Array.isArray(v)) (out ??= {})[key] = v;
    }
    return out;
  }

  private drop(reason: DropReason, detail: string): void {
    this.drops.drop(reason, detail);
  }

  // ---- reading -----------------------------------------------------------------------------

  /** Pulls everything recorded so far into the report's aggregates. */
  private async refresh(): Promise<void> {
    await this.percentileReader.refresh();
  }

  /** Statistics of one operation type since start (or since clearMetrics()). */
  async getOperationStats(type: string, options: ReportOptions = {}): Promise<PerformanceStats> {
    await this.refresh();
    const agg = this.percentileReader.aggregates(options.windowSeconds).get(type);
    return toStats(type, agg);
  }

  /** Statistics of every operation type that has operations. */
  async getAllStats(options: ReportOptions = {}): Promise<Record<string, PerformanceStats>> {
    await this.refresh();
    return this.statsFrom(this.percentileReader.aggregates(options.windowSeconds));
  }

  private statsFrom(aggregates: Map<string, TypeAggregate>): Record<string, PerformanceStats> {
    const out: Record<string, PerformanceStats> = {};
    for (const [type, agg] of aggregates) if (agg.duration.count > 0) out[type] = toStats(type, agg);
    return out;
  }

  /** Number of operations (of one type, or all) since start or clearMetrics(). */
  async getOperationCount(type?: string): Promise<number> {
    await this.refresh();
    const all = this.percentileReader.aggregates();
    if (type !== undefined) return all.get(type)?.duration.count ?? 0;
    let n = 0;
    for (const agg of all.values()) n += agg.duration.count;
    return n;
  }

  /** RSS (min/max/avg from samples since start or clearMetrics()) and V8 heap used, MB. */
  getMemoryStats(): MemoryStats {
    return this.sampler.stats();
  }

  /** Healthy unless RSS, a type's error rate or a p95 objective is over its threshold in the recent window. */
  async getHealthStatus(): Promise<HealthStatus> {
    await this.refresh();
    return this.health(this.sampler.stats().current_rss_mb);
  }

  private health(rssMb: number): HealthStatus {
    let total = 0;
    for (const agg of this.percentileReader.aggregates().values()) total += agg.duration.count;
    const recent = this.statsFrom(this.percentileReader.aggregates(this.windowSeconds));
    const status = evaluateHealth(rssMb, recent, total, this.healthThresholds);
    this.lastHealthy = status.status === 'healthy' ? 1 : 0;
    return status;
  }

  private updateHealthGauge(): void {
    try {
      this.health(this.sampler.stats().current_rss_mb);
    } catch {
      // the gauge keeps its last value
    }
  }

  /** The report (see Report): since start, or over a recent window. */
  async generateReport(options: ReportOptions = {}): Promise<Report> {
    const windowSeconds = positiveNumber('windowSeconds', options.windowSeconds);
    await this.refresh();
    const memory = this.sampler.stats();
    return buildReport({
      timestamp: new Date(),
      windowSeconds: windowSeconds === undefined ? null : Math.min(windowSeconds, this.windowSeconds),
      stats: this.statsFrom(this.percentileReader.aggregates(windowSeconds)),
      memory,
      health: this.health(memory.current_rss_mb),
      dropped: this.drops.report(),
    });
  }

  /** Prints the report as an aligned table (default: stdout). */
  async printReport(stream: NodeJS.WritableStream = process.stdout, options: ReportOptions = {}): Promise<void> {
    stream.write(formatReport(await this.generateReport(options)));
  }

  /** Writes the report as JSON to `path` atomically (temp file + rename) and returns it. */
  async exportMetricsJson(path: string, options: ReportOptions = {}): Promise<Report> {
    const report = await this.generateReport(options);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(report, null, 2) + '\n');
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    return report;
  }

  /**
   * Resets the report, health and memory statistics. Exported series (Prometheus, OTLP) are
   * cumulative and never reset. Operations ending after this call are counted, those ended
   * before are not, even if they were not yet collected.
   */
  clearMetrics(): void {
    this.percentileReader.clear();
    this.drops.reset();
    this.sampler.reset();
    this.lastHealthy = 1;
    // Collect now and throw the result away; records made meanwhile wait, then land after it.
    // Records still waiting for an earlier clear predate this one, so they go, and only the
    // latest clear replays what waits.
    const deferred: (() => void)[] = (this.deferred ??= []);
    deferred.length = 0;
    const clearing: Promise<void> = this.clearing
      .then(() => this.percentileReader.collect())
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (this.clearing !== clearing) return;
        this.deferred = undefined;
        for (const record of deferred) record();
      });
    this.clearing = clearing;
    this.percentileReader.holdUntil(clearing);
  }

  /** @internal Runs `hook` during shutdown(), before the providers flush. */
  addShutdownHook(hook: () => Promise<unknown> | unknown): void {
    this.shutdownHooks.push(hook);
  }

  /**
   * Flushes spans and metrics to the exporters (nothing recorded before it is lost), closes
   * the HTTP server and shuts down what this monitor owns. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    this.sampler.stop();
    await this.clearing;
    for (const hook of this.shutdownHooks) {
      try {
        await hook();
      } catch (error) {
        diag.warn(`ragmeter: shutdown step failed: ${String(error)}`);
      }
    }
    const results = await Promise.allSettled([
      this.ownMeterProvider?.shutdown(),
      this.ownTracerProvider?.shutdown(),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') diag.warn(`ragmeter: flush at shutdown failed: ${String(r.reason)}`);
    }
  }
}

function toStats(type: string, agg: TypeAggregate | undefined): PerformanceStats {
  const d = agg?.duration;
  const ttft = agg?.timeToFirstToken;
  const total = d?.count ?? 0;
  const failed = agg?.failed ?? 0;
  const input = agg?.inputTokens ?? 0;
  const output = agg?.outputTokens ?? 0;
  const tokens = input + output + (agg?.otherTokens ?? 0);
  const memoryMb = (agg?.memoryDeltaBytes ?? 0) / BYTES_PER_MB;
  const has = d !== undefined && total > 0;
  return {
    operationType: type,
    totalOperations: total,
    successfulOperations: total - failed,
    failedOperations: failed,
    minDurationSeconds: has ? d.min : 0,
    maxDurationSeconds: has ? d.max : 0,
    avgDurationSeconds: has ? d.sum / total : 0,
    p50DurationSeconds: has ? d.quantile(0.5) : 0,
    p95DurationSeconds: has ? d.quantile(0.95) : 0,
    p99DurationSeconds: has ? d.quantile(0.99) : 0,
    totalTokens: tokens,
    avgTokens: total > 0 ? tokens / total : 0,
    inputTokens: input,
    outputTokens: output,
    totalMemoryDeltaMb: memoryMb,
    avgMemoryDeltaMb: total > 0 ? memoryMb / total : 0,
    timeToFirstTokenCount: ttft?.count ?? 0,
    p50TimeToFirstTokenSeconds: ttft !== undefined && ttft.count > 0 ? ttft.quantile(0.5) : 0,
    p95TimeToFirstTokenSeconds: ttft !== undefined && ttft.count > 0 ? ttft.quantile(0.95) : 0,
    p99TimeToFirstTokenSeconds: ttft !== undefined && ttft.count > 0 ? ttft.quantile(0.99) : 0,
  };
}
