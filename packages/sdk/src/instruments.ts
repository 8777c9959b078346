import type { Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';

/**
 * Every instrument ragmeter records: OTel name, unit, description and the explicit bucket
 * boundaries exporters use. One table, so that docs/metrics.md, the dashboards and the code
 * cannot drift apart. The percentile reader replaces the buckets by exponential histograms.
 */

/** 0.01 s × 2^k, k = -3..13: the GenAI semantic-convention set (10 ms .. 81.92 s) extended
 * below 10 ms, because retrieval and chunking are often faster than that. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: 17 }, (_, i) => 0.01 * 2 ** (i - 3)),
);

/** GenAI semantic conventions: gen_ai.client.operation.duration buckets (seconds). */
export const GEN_AI_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: 14 }, (_, i) => 0.01 * 2 ** i),
);

/** 4^k, k = 0..13 (1 .. 67108864): the GenAI semantic-convention token buckets. */
export const TOKEN_BUCKETS: readonly number[] = Object.freeze(
  Array.from({ length: 14 }, (_, i) => 4 ** i),
);

export const METRIC_OPERATION_DURATION = 'rag.operation.duration';
export const METRIC_OPERATION_TOKENS = 'rag.operation.tokens';
export const METRIC_OPERATION_MEMORY_DELTA = 'rag.operation.memory.delta';
export const METRIC_OPERATION_TTFT = 'rag.operation.time_to_first_token';
export const METRIC_SDK_DROPPED = 'rag.sdk.dropped';
export const METRIC_HEALTH_STATUS = 'rag.health.status';
export const METRIC_OPERATION_COST = 'rag.operation.cost';
export const METRIC_OPERATION_PRICED = 'rag.operation.priced';
export const METRIC_OPERATION_UNPRICED = 'rag.operation.unpriced';
export const METRIC_GEN_AI_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_TOKENS = 'gen_ai.client.token.usage';

export const ATTR_OPERATION_TYPE = 'rag.operation.type';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** The model label of the cost counters: the price-table entry that priced it, else the model name. */
export const ATTR_COST_MODEL = 'rag.cost.model';
export const ATTR_DROP_REASON = 'reason';

export const INSTRUMENTATION_SCOPE = '@ragmeter/sdk';

export interface InstrumentSpec {
  readonly name: string;
  readonly kind: 'histogram' | 'updowncounter' | 'counter' | 'gauge';
  readonly unit: string;
  readonly description: string;
  readonly buckets?: readonly number[];
}

export const INSTRUMENTS: readonly InstrumentSpec[] = Object.freeze([
  {
    name: METRIC_OPERATION_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of a tracked RAG operation, by rag.operation.type; failures carry error.type.',
    buckets: DURATION_BUCKETS_SECONDS,
  },
  {
    name: METRIC_OPERATION_TOKENS,
    kind: 'histogram',
    unit: '{token}',
    description: 'Tokens used by a tracked operation, by rag.operation.type and gen_ai.token.type (input/output; absent when only a total is known).',
    buckets: TOKEN_BUCKETS,
  },
  {
    name: METRIC_OPERATION_MEMORY_DELTA,
    kind: 'updowncounter',
    unit: 'By',
    description: 'Sum of the V8 heap-used change across tracked operations, by rag.operation.type (can be negative).',
  },
  {
    name: METRIC_OPERATION_TTFT,
    kind: 'histogram',
    unit: 's',
    description: 'Time from the start of a streaming LLM operation to its first token (op.markFirstToken()).',
    buckets: DURATION_BUCKETS_SECONDS,
  },
  {
    name: METRIC_OPERATION_COST,
    kind: 'counter',
    unit: 'USD',
    description: 'Cost of tracked operations from their model and tokens, by rag.operation.type and rag.cost.model (the price-table entry).',
  },
  {
    name: METRIC_OPERATION_PRICED,
    kind: 'counter',
    unit: '{operation}',
    description: 'Operations with a model that has a price (those rag.operation.cost adds up), by rag.operation.type and rag.cost.model.',
  },
  {
    name: METRIC_OPERATION_UNPRICED,
    kind: 'counter',
    unit: '{operation}',
    description: 'Operations with a model that has no price (no cost recorded), by rag.operation.type and rag.cost.model (the model name).',
  },
  {
    name: METRIC_SDK_DROPPED,
    kind: 'counter',
    unit: '{value}',
    description: 'Values ragmeter dropped because they were invalid or over a limit, by reason.',
  },
  {
    name: METRIC_HEALTH_STATUS,
    kind: 'gauge',
    unit: '',
    description: 'ragmeter health from the last collection: 1 healthy, 0 warning.',
  },
  {
    name: METRIC_GEN_AI_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'GenAI semantic conventions: duration of an LLM or embedding client operation.',
    buckets: GEN_AI_DURATION_BUCKETS_SECONDS,
  },
  {
    name: METRIC_GEN_AI_TOKENS,
    kind: 'histogram',
    unit: '{token}',
    description: 'GenAI semantic conventions: tokens used by an LLM or embedding client operation, by gen_ai.token.type.',
    buckets: TOKEN_BUCKETS,
  },
]);

/** The synchronous instruments ragmeter records on. */
export interface Instruments {
  duration: Histogram;
  tokens: Histogram;
  timeToFirstToken: Histogram;
  genAiDuration: Histogram;
  genAiTokens: Histogram;
  dropped: Counter;
  cost: Counter;
  priced: Counter;
  unpriced: Counter;
}

/**
 * Creates every instrument of the table on `meter`; the two observable ones report through
 * the given callbacks at each collection.
 */
export function createInstruments(
  meter: Meter,
  observe: { memoryDelta: (result: ObservableResult) => void; healthStatus: () => number },
): Instruments {
  const spec = (name: string): InstrumentSpec => INSTRUMENTS.find((i) => i.name === name)!;
  const histogram = (name: string): Histogram => {
    const { unit, description, buckets } = spec(name);
    return meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: [...buckets!] } });
  };
  const memory = spec(METRIC_OPERATION_MEMORY_DELTA);
  meter
    .createObservableUpDownCounter(memory.name, { unit: memory.unit, description: memory.description })
    .addCallback(observe.memoryDelta);
  meter
    .createObservableGauge(METRIC_HEALTH_STATUS, { description: spec(METRIC_HEALTH_STATUS).description })
    .addCallback((result) => result.observe(observe.healthStatus()));
  const dropped = spec(METRIC_SDK_DROPPED);
  const counter = (name: string): Counter => meter.createCounter(name, { unit: spec(name).unit, description: spec(name).description });
  return {
    duration: histogram(METRIC_OPERATION_DURATION),
    tokens: histogram(METRIC_OPERATION_TOKENS),
    timeToFirstToken: histogram(METRIC_OPERATION_TTFT),
    genAiDuration: histogram(METRIC_GEN_AI_DURATION),
    genAiTokens: histogram(METRIC_GEN_AI_TOKENS),
    dropped: meter.createCounter(dropped.name, { unit: dropped.unit, description: dropped.description }),
    cost: counter(METRIC_OPERATION_COST),
    priced: counter(METRIC_OPERATION_PRICED),
    unpriced: counter(METRIC_OPERATION_UNPRICED),
  };
}
