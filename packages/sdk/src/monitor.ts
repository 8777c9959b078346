import { diag, type Attributes, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { RagMeterOptions } from './config/types.js';
import { validateOptions } from './config/validate.js';
import { LIVE_PAGE } from './export/live-page.js';
import { prometheusBody } from './export/prometheus.js';
import { RagMeterServer } from './export/server.js';
import { INSTRUMENTATION_SCOPE } from './instruments.js';
import type { Operation } from './operation.js';
import { buildPipeline, type Pipeline } from './pipeline.js';
import { PriceBook } from './pricing/prices.js';
import { RssSampler } from './probes/memory.js';
import { openAiTokenCounter } from './probes/tokens.js';
import type { PercentileReader } from './reader/percentile-reader.js';
import { AttributePolicy } from './record/attributes.js';
import { BreakdownSums } from './record/breakdown-sums.js';
import { DropCounter } from './record/dropped.js';
import type { RecordedOperation } from './record/recorded-operation.js';
import { Recorder, type TrackOptions } from './record/recorder.js';
import { buildBreakdown } from './report/breakdown.js';
import { formatReport } from './report/format.js';
import { evaluateHealth, type HealthThresholds } from './report/health.js';
import { writeReportFile } from './report/report-file.js';
import { buildReport } from './report/report.js';
import { statsOf, toStats } from './report/stats.js';
import type { HealthStatus, MemoryStats, PerformanceStats, Report } from './report/types.js';
import { onTerminationSignals } from './signals.js';
import { VERSION } from './version.js';

/** Options of the read methods: since start (default), or over the last `windowSeconds`. */
export interface ReportOptions {
  /** Cover only the last this-many seconds (up to the monitor's windowSeconds). */
  windowSeconds?: number;
}

type Callback<T> = (op: Operation) => T;

const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
const DEFAULT_PROMETHEUS_PORT = 9464;

/**
 * Tracks RAG operations as OTel spans and metrics and answers percentile reports and health
 * from its in-memory reader. Instrumentation methods never throw (invalid values are dropped
 * and counted); a user's own error thrown inside `track()` comes back unchanged.
 *
 * `new PerformanceMonitor(options)` touches nothing global and exports nothing unless the
 * options say so; `startRagMeter()` makes the application's one, with the turnkey defaults.
 */
export class PerformanceMonitor {
  /** The MetricReader behind the report. */
  readonly percentileReader: PercentileReader;
  /** The longest recent window a report covers, seconds; health is judged on it. */
  readonly windowSeconds: number;
  /** The meter provider ragmeter records on (its own, or the one given in the options). */
  readonly meterProvider: MeterProvider;
  /** The tracer provider spans go to; undefined when tracing is off. */
  readonly tracerProvider: TracerProvider | undefined;
  /** Whether prompt and response text are recorded on spans (option `captureContent`). */
  readonly captureContent: boolean;

  private readonly pipeline: Pipeline;
  private readonly recorder: Recorder;
  private readonly drops = new DropCounter();
  private readonly breakdown: BreakdownSums;
  private readonly sampler: RssSampler;
  private readonly healthThresholds: HealthThresholds;
  private readonly server: RagMeterServer | undefined;
  private readonly shutdownHooks: (() => Promise<unknown> | unknown)[] = [];
  private lastHealthy = 1;
  private isShutdown = false;

  /** @throws RagMeterConfigError naming the first invalid option. */
  constructor(options: RagMeterOptions = {}) {
    validateOptions(options);
    const disabled = options.disabled === true;
    this.windowSeconds = options.windowSeconds ?? 300;
    this.captureContent = options.captureContent ?? false;
    this.healthThresholds = { ...options.health };
    this.pipeline = buildPipeline(options, {
      onCollect: () => this.updateHealthGauge(),
      onExportFailure: (signal, error) =>
        this.drops.drop('export_failed', `an OTLP ${signal} export failed, its data is lost (${error instanceof Error ? error.message : 'no detail'})`),
    });
    this.percentileReader = this.pipeline.percentileReader;
    this.meterProvider = this.pipeline.meterProvider;
    this.tracerProvider = this.pipeline.tracerProvider;
    this.breakdown = new BreakdownSums(this.percentileReader.windowSeconds, this.percentileReader.slotSeconds);
    this.recorder = new Recorder({
      breakdown: this.breakdown,
      meter: this.meterProvider.getMeter(INSTRUMENTATION_SCOPE, VERSION),
      tracer: this.pipeline.tracer,
      contextManager: this.pipeline.contextManager,
      reader: this.percentileReader,
      attributes: new AttributePolicy(
        options.maxAttributeValueLength ?? 256,
        options.maxAttributesPerOperation ?? 32,
        new Set(options.metricAttributes ?? ['gen_ai.request.model']),
        this.drops,
      ),
      drops: this.drops,
      memoryTracking: !disabled && (options.memoryTracking ?? true),
      captureContent: this.captureContent,
      tokenCounter: options.tokenCounter ?? openAiTokenCounter,
      maxCustomTypes: options.maxCustomTypes ?? 100,
      cardinalityLimit: options.cardinalityLimit ?? 2000,
      healthValue: () => this.lastHealthy,
      prices: new PriceBook(options.pricing),
    });
    this.sampler = new RssSampler(disabled ? 0 : (options.memorySampleIntervalMs ?? 1000));

    if (!disabled && options.prometheus !== undefined && options.prometheus !== false) {
      this.server = this.serve(options.prometheus.host ?? DEFAULT_PROMETHEUS_HOST, options.prometheus.port ?? DEFAULT_PROMETHEUS_PORT);
    }
    if (!disabled && options.handleSignals === true) this.addShutdownHook(onTerminationSignals(() => this.shutdown()));
  }

  private serve(host: string, port: number): RagMeterServer {
    const reader = this.pipeline.prometheusReader;
    const server = new RagMeterServer({
      host,
      port,
      serves: {
        metrics: reader === undefined ? undefined : () => prometheusBody(reader),
        report: (windowSeconds) => this.generateReport({ windowSeconds }),
        health: () => this.getHealthStatus(),
        page: LIVE_PAGE,
      },
    });
    server.ready.catch((error: Error) => {
      diag.error(error.message);
      process.emitWarning(error.message, { type: 'RagMeterWarning', code: 'RAGMETER_SERVER_FAILED' });
    });
    this.addShutdownHook(() => server.close());
    return server;
  }

  // ---- tracking ----------------------------------------------------------------------------

  /**
   * Runs `fn` as a tracked operation of `type`: a span (active inside `fn`, so nested
   * operations become its children, across `await` too) plus duration, token and memory
   * metrics. Returns what `fn` returns — synchronously for a sync `fn`; rethrows its error
   * unchanged after marking the operation failed.
   */
  track<T>(type: string, fn: Callback<T>): T;
  track<T>(type: string, attributes: Attributes | undefined, fn: Callback<T>): T;
  track<T>(type: string, attributesOrFn: Attributes | undefined | Callback<T>, maybeFn?: Callback<T>): T {
    return this.recorder.track(type, attributesOrFn, maybeFn);
  }

  /**
   * Starts an operation and returns its handle; end it with `op.end()` / `op.fail(error)`, or
   * `using op = ...`. Its span is a child of the active span, or of `options.parent`, but is
   * not made active: use `track()` or `op.run(fn)` for nested operations to become its children.
   */
  trackOperation(type: string, attributes?: Attributes, options?: TrackOptions): Operation {
    return this.recorder.start(type, attributes, options?.parent);
  }

  /**
   * Runs `fn` with `attributes` carried to every operation started inside it (across `await`
   * too), as span attributes; they become metric labels only for keys in `metricAttributes`.
   * Nested calls add to the outer attributes; an operation's own attributes win. Returns what
   * `fn` returns.
   */
  withAttributes<T>(attributes: Attributes, fn: () => T): T {
    return this.recorder.withAttributes(attributes, fn);
  }

  /**
   * Records an operation measured elsewhere (its span starts `durationSeconds` ago). An invalid
   * duration drops the operation; an invalid token or memory value drops just that value. All
   * drops are counted in the report.
   */
  recordOperation(operation: RecordedOperation): void {
    this.recorder.recordOperation(operation);
  }

  /**
   * Tokens of a text (or the sum over a list) with this monitor's tokenizer (`tokenCounter`,
   * default OpenAI o200k_base), for integrations counting what a provider did not report.
   */
  countTokens(text: string | readonly string[]): number {
    return this.recorder.countTokens(text);
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Statistics of one operation type since start (or since clearMetrics()), or over a window. */
  async getOperationStats(type: string, options: ReportOptions = {}): Promise<PerformanceStats> {
    await this.percentileReader.refresh();
    return toStats(type, this.percentileReader.aggregates(options.windowSeconds).get(type));
  }

  /** Statistics of every operation type that has operations. */
  async getAllStats(options: ReportOptions = {}): Promise<Record<string, PerformanceStats>> {
    await this.percentileReader.refresh();
    return statsOf(this.percentileReader.aggregates(options.windowSeconds));
  }

  /** Number of operations (of one type, or all) since start or clearMetrics(). */
  async getOperationCount(type?: string): Promise<number> {
    await this.percentileReader.refresh();
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
    await this.percentileReader.refresh();
    return this.health(this.sampler.stats().current_rss_mb);
  }

  /** The report (see Report): since start, or over a recent window. */
  async generateReport(options: ReportOptions = {}): Promise<Report> {
    const windowSeconds = options.windowSeconds;
    if (windowSeconds !== undefined && (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0)) {
      throw new RangeError(`ragmeter: option "windowSeconds" must be a positive number, got ${String(windowSeconds)}`);
    }
    await this.percentileReader.refresh();
    const memory = this.sampler.stats();
    return buildReport({
      timestamp: new Date(),
      windowSeconds: windowSeconds === undefined ? null : Math.min(windowSeconds, this.windowSeconds),
      coveredSeconds: windowSeconds === undefined ? undefined : this.percentileReader.coveredSeconds(windowSeconds),
      stats: statsOf(this.percentileReader.aggregates(windowSeconds)),
      memory,
      health: this.health(memory.current_rss_mb),
      dropped: this.drops.report(),
      breakdown: buildBreakdown(this.breakdown.sums(windowSeconds)),
    });
  }

  /** Prints the report as an aligned table (default: stdout). */
  async printReport(stream: NodeJS.WritableStream = process.stdout, options: ReportOptions = {}): Promise<void> {
    stream.write(formatReport(await this.generateReport(options)));
  }

  /** Writes the report as JSON to `path` atomically (temporary file, then rename) and returns it. */
  async exportMetricsJson(path: string, options: ReportOptions = {}): Promise<Report> {
    const report = await this.generateReport(options);
    await writeReportFile(path, report);
    return report;
  }

  /**
   * The address of the /metrics, /report and /health server (`http://127.0.0.1:9464`), once it
   * listens; undefined when this monitor serves none. Rejects if the port could not be bound.
   */
  async serverUrl(): Promise<string | undefined> {
    return this.server?.url();
  }

  private health(rssMb: number): HealthStatus {
    let total = 0;
    for (const agg of this.percentileReader.aggregates().values()) total += agg.duration.count;
    const recent = statsOf(this.percentileReader.aggregates(this.windowSeconds));
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

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Resets the report, health and memory statistics. Exported series (Prometheus, OTLP) are
   * cumulative and never reset. Operations ending after this call are counted, those ended
   * before are not, even if they were not yet collected.
   */
  clearMetrics(): void {
    void this.percentileReader.clear();
    this.breakdown.clear();
    this.drops.reset();
    this.sampler.reset();
    this.lastHealthy = 1;
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
    await this.percentileReader.settled();
    for (const hook of this.shutdownHooks) {
      try {
        await hook();
      } catch (error) {
        diag.warn(`ragmeter: shutdown step failed: ${String(error)}`);
      }
    }
    await this.pipeline.shutdown();
  }
}
