import type { Report } from '@ragmeter/sdk';
import { formatDuration, formatNumber, formatTable, formatUsd } from '@ragmeter/sdk/format';
import type { ServiceStatus } from './service-status.js';

const HEADER = ['operation', 'count', 'ops/s', 'failed', 'err%', 'p50', 'p95', 'p99', 'max', 'tok/op'] as const;

/** Cost per operation: `-` without a model, `unpriced` when none of them had a price. */
function costPerOperation(cost: Report['operations'][string]['cost']): string {
  if (cost === undefined) return '-';
  if (cost.total_usd === 0 && cost.unpriced_operations > 0) return 'unpriced';
  return formatUsd(cost.avg_usd);
}

/** The last report shown, to turn counts into a rate. */
export interface PreviousSample {
  report: Report;
  /** Epoch milliseconds when it was fetched. */
  atMs: number;
}

export interface FrameInput {
  url: string;
  status: ServiceStatus;
  /** Epoch milliseconds of this fetch. */
  nowMs: number;
  previous?: PreviousSample;
  /** Set in live mode: the footer says how often the view refreshes. */
  intervalSeconds?: number;
}

function opsPerSecond(type: string, total: number, nowMs: number, previous?: PreviousSample): string {
  if (previous === undefined || !Object.hasOwn(previous.report.operations, type)) return '-';
  const seconds = (nowMs - previous.atMs) / 1000;
  const added = total - previous.report.operations[type]!.total;
  // A smaller count means the service restarted, cleared its metrics or reports a window.
  if (seconds <= 0 || added < 0) return '-';
  return (added / seconds).toFixed(1);
}

/** One screen of `ragmeter watch`: health, issues and a per-type table; or why there is none. */
export function formatFrame(input: FrameInput): string {
  const { status, nowMs, previous, intervalSeconds } = input;
  const lines = [`ragmeter watch  ${input.url}  ${new Date(nowMs).toISOString()}`];

  if (!status.reachable) {
    lines.push('', `service unreachable: ${status.problem}`);
    if (intervalSeconds !== undefined) lines.push(`retrying every ${intervalSeconds}s (Ctrl-C to quit)`);
    return lines.join('\n') + '\n';
  }

  const { report, health } = status;
  const scope = report.window_seconds === null ? 'since start' : `last ${report.window_seconds}s`;
  lines.push(
    `health: ${health.status}   RSS ${health.memory_mb.toFixed(1)} MB   ` +
      `operations ${formatNumber(report.total_operations)} (${scope})`,
  );
  if (report.cost !== undefined && (report.cost.total_usd > 0 || report.cost.unpriced_operations > 0)) {
    const unpriced = report.cost.unpriced_operations;
    lines.push(`cost: ${formatUsd(report.cost.total_usd)} (${scope})${unpriced > 0 ? `, ${formatNumber(unpriced)} operations without a price` : ''}`);
  }
  for (const issue of health.issues) lines.push(`  - ${issue}`);
  if (status.healthProblem !== undefined) {
    lines.push(`  (health from the report: ${status.healthProblem})`);
  }
  lines.push('');

  // The cost column only where some operation had a model (schema 2 reports).
  const priced = Object.values(report.operations).some((op) => op.cost !== undefined);
  const rows = Object.entries(report.operations).map(([type, op]) => [
    type,
    formatNumber(op.total),
    opsPerSecond(type, op.total, nowMs, previous),
    formatNumber(op.failed),
    (op.error_rate * 100).toFixed(1),
    formatDuration(op.duration.p50),
    formatDuration(op.duration.p95),
    formatDuration(op.duration.p99),
    formatDuration(op.duration.max),
    formatNumber(op.tokens.avg),
    ...(priced ? [costPerOperation(op.cost)] : []),
  ]);
  lines.push(rows.length > 0 ? formatTable(priced ? [...HEADER, '$/op'] : HEADER, rows) : '(no operations recorded yet)');

  if (report.dropped.total > 0) {
    lines.push('', `dropped: ${formatNumber(report.dropped.total)} invalid measurements`);
  }
  if (intervalSeconds !== undefined) lines.push('', `every ${intervalSeconds}s, Ctrl-C to quit`);
  return lines.join('\n') + '\n';
}
