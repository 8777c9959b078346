/**
 * Every Prometheus series and label the dashboards read. The ragmeter names are the ones
 * docs/metrics.md documents (identical whether /metrics is scraped directly or the data goes
 * through the Collector). The host-metric names come from @opentelemetry/host-metrics
 * (`process.memory.usage`, `process.cpu.time`) translated by the same rules; they are kept
 * here, and only here, so that a rename is a one-line fix. prometheus/rules/ragmeter.rules.yml
 * uses the same names, and test/stack checks that the two agree and that the SDK exports them.
 */

export const SERIES = {
  durationBucket: 'rag_operation_duration_seconds_bucket',
  durationSum: 'rag_operation_duration_seconds_sum',
  durationCount: 'rag_operation_duration_seconds_count',
  /** Streaming LLM operations only (op.markFirstToken()). */
  ttftBucket: 'rag_operation_time_to_first_token_seconds_bucket',
  tokensSum: 'rag_operation_tokens_sum',
  tokensCount: 'rag_operation_tokens_count',
  /** A gauge holding a running sum (it can go down): use deriv()/delta(), never rate(). */
  memoryDelta: 'rag_operation_memory_delta_bytes',
  dropped: 'rag_sdk_dropped_total',
  /** USD of priced operations, by rag_operation_type and rag_cost_model (the price-table entry). */
  cost: 'rag_operation_cost_USD_total',
  /** Operations that cost adds up (their model has a price). */
  priced: 'rag_operation_priced_total',
  /** Operations whose model has no price (no cost recorded). */
  unpriced: 'rag_operation_unpriced_total',
  /** 1 healthy, 0 warning. */
  health: 'rag_health_status',
} as const;

export const HOST_SERIES = {
  /** Resident set size of the process, bytes. host-metrics registers `process.memory.usage`
   * without a unit, so the translation adds no `_bytes` suffix. */
  processMemory: 'process_memory_usage',
  /** CPU seconds used by the process, a counter split by CPU state (user/system). */
  processCpuTime: 'process_cpu_time_seconds_total',
} as const;

export const LABELS = {
  operationType: 'rag_operation_type',
  errorType: 'error_type',
  tokenType: 'gen_ai_token_type',
  dropReason: 'reason',
  costModel: 'rag_cost_model',
} as const;
