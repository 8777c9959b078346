export { OperationType, OPERATION_TYPE_PATTERN, BUILT_IN_OPERATION_TYPES, isValidOperationTypeName } from './operation-type.js';
export type { OperationTypeName } from './operation-type.js';
export { PerformanceMonitor } from './monitor.js';
export type { PerformanceMonitorOptions, RecordedOperation, ReportOptions, TrackOptions } from './monitor.js';
export { Operation } from './operation.js';
export { PercentileReader } from './reader/percentile-reader.js';
export type { PercentileReaderOptions } from './reader/percentile-reader.js';
export { ExponentialHistogram, nearestRank, relativeErrorBound } from './reader/exponential-histogram.js';
export { countTokens, estimateTokens, openAiTokenCounter, tokensFromUsage } from './probes/tokens.js';
export type { TokenCounter, ProviderUsage } from './probes/tokens.js';
export { formatReport, formatTable, formatDuration, formatNumber, operationRows, OPERATION_TABLE_HEADER } from './report/format.js';
export { evaluateHealth, DEFAULT_HEALTH_THRESHOLDS } from './report/health.js';
export type { HealthThresholds } from './report/health.js';
export { REPORT_SCHEMA_VERSION } from './report/types.js';
export type {
  Report,
  OperationReport,
  DurationSummary,
  DroppedReport,
  HealthStatus,
  HealthState,
  MemoryStats,
  PerformanceStats,
} from './report/types.js';
export type { DropReason } from './dropped.js';
export * from './instruments.js';
export { getPerformanceMonitor } from './global.js';
export { VERSION } from './version.js';
export { startRagMeter, createPrometheusReader, DEFAULT_PROMETHEUS_PORT, DEFAULT_PROMETHEUS_HOST } from './start.js';
export { RagMeterConfigError, validateConfig, configFromEnv } from './config.js';
export type { RagMeterConfig, PrometheusConfig, OtlpConfig, OtlpProtocol } from './config.js';
export { RagMeterServer } from './http/server.js';
export { withUnitSuffixes, prometheusBaseName, prometheusUnit } from './http/prometheus-names.js';
