import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  InstrumentType,
  MetricReader,
  type ExponentialHistogram as OtelExponentialHistogram,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_OPERATION_TYPE,
  ATTR_TOKEN_TYPE,
  INSTRUMENTATION_SCOPE,
  METRIC_OPERATION_COST,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_PRICED,
  METRIC_OPERATION_TOKENS,
  METRIC_OPERATION_TTFT,
  METRIC_OPERATION_UNPRICED,
} from '../instruments.js';
import { DEFAULT_MAX_SCALE, DEFAULT_MAX_SIZE } from './exponential-histogram.js';
import { TypeAggregate } from './type-aggregate.js';
import { validateReaderOptions } from '../config/checks.js';

/**
 * Series per instrument this reader takes before OTel folds the rest into an attribute-less
 * overflow series: ragmeter's default 2000 labelled series plus every base series (up to 40
 * per operation type, for 7 built-in and 100 custom types), so that no operation type is folded.
 */
export const DEFAULT_READER_CARDINALITY_LIMIT = 2000 + (7 + 100) * 40;

export interface PercentileReaderOptions {
  /** The longest recent window a report can ask for, seconds. Default 300. */
  windowSeconds?: number;
  /** Granularity of the recent window, seconds. Default windowSeconds / 10 (at least 1). */
  slotSeconds?: number;
  /** Buckets per histogram. Default 2048. */
  maxSize?: number;
  /** Highest histogram scale (precision). Default 6: relative error <= 0.54 %. */
  maxScale?: number;
  /** Series per instrument before OTel folds the rest into an overflow series. Default 2000. */
  cardinalityLimit?: number;
  /** Called after each collection has been merged (the monitor refreshes its health gauge). */
  onCollect?: () => void;
}

interface Slot {
  start: number;
  types: Map<string, TypeAggregate>;
}

/**
 * The in-memory MetricReader behind the percentile report. It asks the SDK for delta
 * temporality and base-2 exponential histograms (other readers keep their explicit buckets)
 * and merges each collection into per-type aggregates kept twice: since start, and in time
 * slots for the recent window. Memory is bounded by (types × (slots + 1) × maxSize), whatever
 * the number of operations.
 *
 * It also runs the clear protocol (see clear()): the report is reset exactly, neither losing
 * operations that end after the clear nor keeping ones that ended before it.
 */
export class PercentileReader extends MetricReader {
  readonly windowSeconds: number;
  readonly slotSeconds: number;
  private readonly maxSize: number;
  private readonly maxScale: number;
  private readonly onCollect: (() => void) | undefined;
  private total = new Map<string, TypeAggregate>();
  private slots: Slot[] = [];
  private epoch = 0;
  /** The latest clear's collection; refresh() waits for it. */
  private clearing: Promise<void> = Promise.resolve();
  /** The latest refresh; the next one starts after it. */
  private refreshing: Promise<void> = Promise.resolve();
  /**
   * While a clear's collection is in flight, records wait here (the recorder pushes them) and
   * land after it, so they are not thrown away with what ended before the clear.
   */
  waiting: (() => void)[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isShutdown = false;

  constructor(options: PercentileReaderOptions = {}) {
    validateReaderOptions(options);
    const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
    const cardinalityLimit = options.cardinalityLimit ?? DEFAULT_READER_CARDINALITY_LIMIT;
    super({
      aggregationSelector: (type) =>
        type === InstrumentType.HISTOGRAM
          ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize, recordMinMax: true } }
          : { type: AggregationType.DEFAULT },
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      cardinalitySelector: () => cardinalityLimit,
    });
    this.windowSeconds = options.windowSeconds ?? 300;
    this.slotSeconds = options.slotSeconds ?? Math.max(1, this.windowSeconds / 10);
    this.maxSize = maxSize;
    this.maxScale = options.maxScale ?? DEFAULT_MAX_SCALE;
    this.onCollect = options.onCollect;
  }

  protected override onInitialized(): void {
    this.scheduleBoundary();
  }

  /**
   * Collects at every slot boundary, into the slot that just ended, so that a slot holds the
   * operations that ended during it and a recent window covers whole slots.
   */
  private scheduleBoundary(): void {
    const slotMs = this.slotSeconds * 1000;
    const boundary = (Math.floor(Date.now() / slotMs) + 1) * slotMs;
    this.timer = setTimeout(() => {
      this.refresh(boundary - 1).catch(() => undefined);
      if (!this.isShutdown) this.scheduleBoundary();
    }, boundary - Date.now());
    this.timer.unref();
  }

  protected override async onShutdown(): Promise<void> {
    this.isShutdown = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected override async onForceFlush(): Promise<void> {
    await this.refresh();
  }

  /**
   * Pulls what was recorded since the last collection into the aggregates, in the time slot
   * of `at` (default now).
   */
  refresh(at?: number): Promise<void> {
    // One refresh at a time: with delta temporality, a second collection running beside the
    // first returns nothing, and could report before the first has merged what it took.
    const run = this.refreshing.then(() => this.refreshOnce(at));
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private async refreshOnce(at: number | undefined): Promise<void> {
    // After every clear in flight: records made after a clear are held back until it is done.
    let clearing: Promise<void>;
    do {
      clearing = this.clearing;
      await clearing;
    } while (clearing !== this.clearing);
    if (this.isShutdown) return; // after shutdown the report shows what was collected until then
    // A clear() while this collection runs means that what it returns predates the clear.
    const epoch = this.epoch;
    const { resourceMetrics } = await this.collect();
    if (epoch !== this.epoch) return;
    this.ingest(resourceMetrics, at ?? Date.now());
    this.onCollect?.();
  }

  /**
   * Forgets everything aggregated so far (at once) and collects, throwing the result away: the
   * SDK may hold operations that ended before this call but were not yet collected. Records
   * made meanwhile wait in `waiting` and land after that collection. Records still waiting
   * for an earlier clear predate this one, so they go, and only the latest clear replays what
   * waits. Exported series are not affected. Resolves when done.
   */
  clear(): Promise<void> {
    this.epoch++;
    this.total = new Map();
    this.slots = [];
    const waiting: (() => void)[] = (this.waiting ??= []);
    waiting.length = 0;
    const clearing: Promise<void> = this.clearing
      .then(() => this.collect())
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (this.clearing !== clearing) return;
        this.waiting = undefined;
        for (const record of waiting) record();
      });
    this.clearing = clearing;
    return clearing;
  }

  /** Resolves once no clear is in flight. */
  settled(): Promise<void> {
    return this.clearing;
  }

  /**
   * Aggregates per operation type: since start (or the last clear) when `windowSeconds` is
   * undefined, otherwise over the most recent slots covering it (slot granularity).
   */
  aggregates(windowSeconds?: number): Map<string, TypeAggregate> {
    if (windowSeconds === undefined) return this.total;
    const from = this.windowStart(windowSeconds, Date.now());
    const merged = new Map<string, TypeAggregate>();
    for (const slot of this.slots) {
      if (slot.start < from) continue;
      for (const [type, agg] of slot.types) this.get(merged, type).merge(agg);
    }
    return merged;
  }

  /**
   * The seconds a report over the last `windowSeconds` really covers: whole slots, from the
   * start of the one the window begins in until now — up to one slot more than asked.
   */
  coveredSeconds(windowSeconds: number): number {
    const now = Date.now();
    return (now - this.windowStart(windowSeconds, now)) / 1000;
  }

  /** Start of the slot in which the last `windowSeconds` begin (at most the reader's window back). */
  private windowStart(windowSeconds: number, now: number): number {
    const slotMs = this.slotSeconds * 1000;
    const from = now - Math.min(windowSeconds, this.windowSeconds) * 1000;
    return Math.floor(from / slotMs) * slotMs;
  }

  private get(map: Map<string, TypeAggregate>, type: string): TypeAggregate {
    let agg = map.get(type);
    if (agg === undefined) {
      agg = new TypeAggregate(this.maxSize, this.maxScale);
      map.set(type, agg);
    }
    return agg;
  }

  private currentSlot(now: number): Slot {
    const slotMs = this.slotSeconds * 1000;
    const start = Math.floor(now / slotMs) * slotMs;
    let last = this.slots[this.slots.length - 1];
    if (last === undefined || last.start !== start) {
      last = { start, types: new Map() };
      this.slots.push(last);
      const oldest = start - this.windowSeconds * 1000;
      while (this.slots.length > 0 && this.slots[0]!.start + slotMs <= oldest) this.slots.shift();
    }
    return last;
  }

  private ingest(resourceMetrics: ResourceMetrics, now: number): void {
    let slot: Slot | undefined;
    for (const scope of resourceMetrics.scopeMetrics) {
      if (scope.scope.name !== INSTRUMENTATION_SCOPE) continue;
      for (const metric of scope.metrics) {
        const name = metric.descriptor.name;
        for (const point of metric.dataPoints) {
          const type = point.attributes[ATTR_OPERATION_TYPE];
          if (typeof type !== 'string') continue; // the cardinality overflow series
          slot ??= this.currentSlot(now);
          const total = this.get(this.total, type);
          const recent = this.get(slot.types, type);
          if (name === METRIC_OPERATION_DURATION && metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
            const value = point.value as OtelExponentialHistogram;
            total.duration.mergePoint(value);
            recent.duration.mergePoint(value);
            if (point.attributes[ATTR_ERROR_TYPE] !== undefined) {
              total.failed += value.count;
              recent.failed += value.count;
            }
          } else if (name === METRIC_OPERATION_TTFT && metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
            const value = point.value as OtelExponentialHistogram;
            total.timeToFirstToken.mergePoint(value);
            recent.timeToFirstToken.mergePoint(value);
          } else if (name === METRIC_OPERATION_TOKENS && metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
            const sum = (point.value as OtelExponentialHistogram).sum ?? 0;
            const kind = point.attributes[ATTR_TOKEN_TYPE];
            const field = kind === 'input' ? 'inputTokens' : kind === 'output' ? 'outputTokens' : 'otherTokens';
            total[field] += sum;
            recent[field] += sum;
          } else if (name === METRIC_OPERATION_MEMORY_DELTA && metric.dataPointType === DataPointType.SUM) {
            const value = point.value as number;
            total.memoryDeltaBytes += value;
            recent.memoryDeltaBytes += value;
          } else if (metric.dataPointType === DataPointType.SUM) {
            const field = name === METRIC_OPERATION_COST ? 'costUsd' : name === METRIC_OPERATION_PRICED ? 'pricedOperations' : name === METRIC_OPERATION_UNPRICED ? 'unpricedOperations' : undefined;
            if (field === undefined) continue;
            const value = point.value as number;
            total[field] += value;
            recent[field] += value;
          }
        }
      }
    }
  }
}
