import { diag, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import {
  ATTR_COST_MODEL,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  createInstruments,
  type Instruments,
} from '../instruments.js';
import type { GenAiEntry, TypeEntry } from '../operation.js';
import { costUsd, type PriceBook } from '../pricing/prices.js';
import type { PercentileReader } from '../reader/percentile-reader.js';
import type { AttributePolicy } from './attributes.js';
import type { DropCounter } from './dropped.js';
import { MemorySums } from './memory-sums.js';
import { SeriesTable } from './series-table.js';
import type { TypeTable } from './type-table.js';

const GEN_AI_KEYS = [ATTR_GEN_AI_REQUEST_MODEL, 'gen_ai.provider.name'] as const;

export interface MetricWriterParts {
  meter: Meter;
  types: TypeTable;
  policy: AttributePolicy;
  drops: DropCounter;
  reader: PercentileReader;
  cardinalityLimit: number;
  /** Value of the rag.health.status gauge at collection. */
  healthValue: () => number;
  prices: PriceBook;
}

/**
 * Writes ended operations to the OTel instruments (part of the hot path): duration, tokens,
 * memory delta, time to first token, and the GenAI semantic-convention metrics. Attribute sets
 * come from the type table and the series tables, built once each, so a record allocates
 * nothing it can avoid and every instrument stays under the cardinality limit.
 */
export class MetricWriter {
  private readonly instruments: Instruments;
  private readonly types: TypeTable;
  private readonly policy: AttributePolicy;
  private readonly drops: DropCounter;
  private readonly reader: PercentileReader;
  private readonly cardinalityLimit: number;
  private readonly memorySums = new MemorySums();
  /** Labelled series of the rag.operation.* instruments (duration, memory, time to first token), of the token histogram, and of the gen_ai.client.* ones. */
  private readonly series: SeriesTable;
  private readonly tokenSeries: SeriesTable;
  private readonly genAiSeries: SeriesTable;
  /** Series of the cost counters, and their sets by base set and model label (filled from costSeries). */
  private readonly costSeries: SeriesTable;
  private readonly costSets = new Map<Attributes, Map<string, Attributes>>();
  private readonly prices: PriceBook;
  private warnedNoTokens = false;

  constructor(parts: MetricWriterParts) {
    this.types = parts.types;
    this.policy = parts.policy;
    this.drops = parts.drops;
    this.reader = parts.reader;
    this.cardinalityLimit = parts.cardinalityLimit;
    const reserved = () => this.types.baseSetCount;
    this.series = new SeriesTable(parts.cardinalityLimit, reserved);
    this.tokenSeries = new SeriesTable(parts.cardinalityLimit, reserved);
    this.genAiSeries = new SeriesTable(parts.cardinalityLimit, reserved);
    this.costSeries = new SeriesTable(parts.cardinalityLimit, reserved);
    this.prices = parts.prices;
    const memorySums = this.memorySums;
    this.instruments = createInstruments(parts.meter, {
      memoryDelta: (result) => memorySums.observe(result),
      healthStatus: parts.healthValue,
    });
    this.drops.attach(this.instruments.dropped);
  }

  /** Time to first token of an operation of `entry` with (sanitized) `attributes`. */
  firstToken(entry: TypeEntry, attributes: Attributes | undefined, seconds: number): void {
    const base = entry.attrs;
    const labels = attributes === undefined ? undefined : this.policy.metricLabels(attributes);
    this.instruments.timeToFirstToken.record(seconds, labels === undefined ? base : (this.series.get(base, labels) ?? base));
  }

  record(
    entry: TypeEntry,
    seconds: number,
    errorType: string | undefined,
    input: number | undefined,
    output: number | undefined,
    other: number | undefined,
    cachedInput: number | undefined,
    cacheWriteInput: number | undefined,
    memoryDeltaBytes: number | undefined,
    userAttributes: Attributes | undefined,
  ): number | undefined {
    // While a clearMetrics() collection is in flight, records wait so that they land after it.
    const waiting = this.reader.waiting;
    if (waiting !== undefined) {
      waiting.push(() => this.record(entry, seconds, errorType, input, output, other, cachedInput, cacheWriteInput, memoryDeltaBytes, userAttributes));
      return undefined;
    }
    const base = errorType === undefined ? entry.attrs : this.types.failureAttributes(entry, errorType);
    const labels = userAttributes === undefined ? undefined : this.policy.metricLabels(userAttributes);
    let overflow = false;
    let attrs = base;
    if (labels !== undefined) {
      const labelled = this.series.get(base, labels);
      if (labelled === undefined) overflow = true;
      else attrs = labelled;
    }
    const { duration, tokens } = this.instruments;
    duration.record(seconds, attrs);
    if (memoryDeltaBytes !== undefined) this.memorySums.add(attrs, memoryDeltaBytes);
    if (input !== undefined || output !== undefined || other !== undefined) {
      // Past the limit the operation's labels are gone for every instrument, not just one.
      const tokenLabels = attrs === base ? undefined : labels;
      if (input !== undefined) overflow = this.labelled(tokens, input, this.tokenSeries, entry.inputAttrs, tokenLabels) || overflow;
      if (output !== undefined) overflow = this.labelled(tokens, output, this.tokenSeries, entry.outputAttrs, tokenLabels) || overflow;
      if (other !== undefined) overflow = this.labelled(tokens, other, this.tokenSeries, entry.attrs, tokenLabels) || overflow;
    }
    const genAi = entry.genAi;
    if (genAi !== undefined) {
      overflow = this.recordGenAi(genAi, seconds, base, input, output, userAttributes) || overflow;
      if (genAi.operation === 'chat' && errorType === undefined && input === undefined && output === undefined && other === undefined) {
        this.warnNoTokens();
      }
    }
    let usd: number | undefined;
    if (userAttributes !== undefined) {
      const model = userAttributes[ATTR_GEN_AI_RESPONSE_MODEL] ?? userAttributes[ATTR_GEN_AI_REQUEST_MODEL];
      if (typeof model === 'string' && model !== '') {
        const priced = this.prices.resolve(model);
        if (priced !== undefined) usd = costUsd(priced.price, input, output, other, cachedInput, cacheWriteInput);
        overflow = this.recordCost(entry.attrs, priced?.key ?? model, usd) || overflow;
      }
    }
    if (overflow) {
      this.drops.drop(
        'cardinality_limit',
        `an instrument reached the limit of ${this.cardinalityLimit} series (cardinalityLimit); operations with new attribute values are counted under their type without those attributes`,
      );
    }
    return usd;
  }

  /**
   * The cost counters of an operation with a model: its USD and one priced operation, or one
   * unpriced operation (never an invented 0). Labelled with the price-table entry (or, when
   * unpriced, the model name): true when that label was over the limit.
   */
  private recordCost(base: Attributes, model: string, usd: number | undefined): boolean {
    let byModel = this.costSets.get(base);
    let attrs = byModel?.get(model);
    if (attrs === undefined) {
      attrs = this.costSeries.get(base, { [ATTR_COST_MODEL]: model });
      if (attrs !== undefined) {
        if (byModel === undefined) this.costSets.set(base, (byModel = new Map()));
        byModel.set(model, attrs);
      }
    }
    const { cost, priced, unpriced } = this.instruments;
    if (usd === undefined) {
      unpriced.add(1, attrs ?? base);
    } else {
      cost.add(usd, attrs ?? base);
      priced.add(1, attrs ?? base);
    }
    return attrs === undefined;
  }

  /** Records `value` under `base` + `labels` (or `base` alone); true when that was over the limit. */
  private labelled(histogram: Histogram, value: number, table: SeriesTable, base: Attributes, labels: Attributes | undefined): boolean {
    const attrs = labels === undefined ? base : table.get(base, labels);
    histogram.record(value, attrs ?? base);
    return attrs === undefined;
  }

  /**
   * GenAI semantic-convention client metrics for LLM and embedding operations, labelled with
   * the model and provider. Returns true when a new label set was over the limit.
   */
  private recordGenAi(
    genAi: GenAiEntry,
    seconds: number,
    base: Attributes,
    input: number | undefined,
    output: number | undefined,
    userAttributes: Attributes | undefined,
  ): boolean {
    let labels: Attributes | undefined;
    if (userAttributes !== undefined) {
      for (const key of GEN_AI_KEYS) {
        const v = userAttributes[key];
        if (v !== undefined && !Array.isArray(v)) (labels ??= {})[key] = v;
      }
    }
    const { genAiTokens, genAiDuration } = this.instruments;
    let overflow = false;
    if (input !== undefined) overflow = this.labelled(genAiTokens, input, this.genAiSeries, genAi.inputAttrs, labels) || overflow;
    if (output !== undefined) overflow = this.labelled(genAiTokens, output, this.genAiSeries, genAi.outputAttrs, labels) || overflow;
    // error.type as capped for this operation type, so these series stay bounded too.
    const errorType = base[ATTR_ERROR_TYPE];
    const durationBase = typeof errorType === 'string' ? this.types.genAiFailureAttributes(genAi, errorType) : genAi.attrs;
    return this.labelled(genAiDuration, seconds, this.genAiSeries, durationBase, labels) || overflow;
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
}
