// @ragmeter/sdk/format: the text formatting the report table uses, for tools that print
// reports their own way (the ragmeter CLI, the demo's live table).
export { formatDuration, formatNumber, formatReport, formatTable, formatUsd } from './report/format.js';
