// @ragmeter/sdk/format: the text formatting the report table uses, for tools that print
// reports their own way (the ragmeter CLI, the demo's live table), and the health rule the
// report's figures are judged by, for tools that build reports from elsewhere (the CLI's
// fleet view over Prometheus), so the thresholds and the report layout live in one place.
export { formatDuration, formatNumber, formatReport, formatTable, formatUsd } from './report/format.js';
export { DEFAULT_HEALTH_THRESHOLDS, evaluateHealth } from './report/health.js';
export { toOperationReport } from './report/report.js';
