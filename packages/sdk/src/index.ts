// The public surface of @ragmeter/sdk: what applications and integration packages call.
// Formatting helpers are at '@ragmeter/sdk/format'.
export { startRagMeter } from './start.js';
export { getPerformanceMonitor } from './global.js';
export { PerformanceMonitor } from './monitor.js';
export type { ReportOptions } from './monitor.js';
export { Operation } from './operation.js';
export { OperationType, OPERATION_TYPE_PATTERN } from './operation-type.js';
export type { OperationTypeName } from './operation-type.js';
export type { TrackOptions } from './record/recorder.js';
export type { RecordedOperation } from './record/recorded-operation.js';
export type { DropReason } from './record/dropped.js';
export { PercentileReader } from './reader/percentile-reader.js';
export type { PercentileReaderOptions } from './reader/percentile-reader.js';
export { createPrometheusReader } from './export/prometheus.js';
export { RagMeterConfigError } from './config/validate.js';
export type { OtlpOptions, OtlpProtocol, PrometheusOptions, RagMeterOptions } from './config/types.js';
export { countTokens } from './probes/tokens.js';
export type { ProviderUsage, TokenCounter } from './probes/tokens.js';
export type { HealthThresholds } from './report/health.js';
export { INSTRUMENTS } from './instruments.js';
export type { InstrumentSpec } from './instruments.js';
export { REPORT_SCHEMA_VERSION } from './report/types.js';
export type { ModelPrice, PricingTable } from './pricing/prices.js';
export type {
  CostTotal,
  DroppedReport,
  DurationSummary,
  HealthState,
  HealthStatus,
  MemoryStats,
  OperationCost,
  OperationReport,
  PerformanceStats,
  Report,
} from './report/types.js';
export { VERSION } from './version.js';
