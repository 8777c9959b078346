import { formatDuration, formatTable, formatUsd } from '@ragmeter/sdk/format';
import type { Comparison, CostChange, ErrorRateChange, LatencyChange, OperationComparison } from './compare-reports.js';

const HEADER = ['operation', 'metric', 'baseline', 'current', 'change', 'change%', 'verdict'] as const;

/** `-` for figures that are shown but never judged (p50, types with no operations on one side). */
function verdict(judged: boolean, regressed: boolean): string {
  if (!judged) return '-';
  return regressed ? 'REGRESSION' : 'ok';
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text;
}

function percentText(percent: number | null): string {
  if (percent === null) return 'from 0';
  return signed(`${percent.toFixed(1)}%`, percent);
}

function rateText(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function latencyRow(type: string, judged: boolean, change: LatencyChange): string[] {
  return [
    type,
    change.percentile,
    formatDuration(change.baselineSeconds),
    formatDuration(change.currentSeconds),
    signed(formatDuration(change.changeSeconds), change.changeSeconds),
    percentText(change.changePercent),
    verdict(judged && change.gated, change.regressed),
  ];
}

function errorRateRow(type: string, judged: boolean, change: ErrorRateChange): string[] {
  return [
    type,
    'errors',
    rateText(change.baseline),
    rateText(change.current),
    signed(`${change.changePoints.toFixed(2)}pp`, change.changePoints),
    percentText(change.changePercent),
    verdict(judged, change.regressed),
  ];
}

function countRow(op: OperationComparison): string[] {
  const change = op.currentTotal - op.baselineTotal;
  return [op.type, 'count', String(op.baselineTotal), String(op.currentTotal), signed(String(change), change), percentText(op.baselineTotal === 0 ? (op.currentTotal === 0 ? 0 : null) : (change / op.baselineTotal) * 100), '-'];
}

function costRow(type: string, change: CostChange): string[] {
  return [
    type,
    'cost/op',
    formatUsd(change.baselineUsd),
    formatUsd(change.currentUsd),
    signed(formatUsd(change.changeUsd), change.changeUsd),
    percentText(change.changePercent),
    verdict(change.judged, change.regressed),
  ];
}

function operationRows(op: OperationComparison): string[][] {
  const judged = op.notJudged === undefined;
  const rows = [countRow(op), ...op.latency.map((change) => latencyRow(op.type, judged, change)), errorRateRow(op.type, judged, op.errorRate)];
  if (op.cost !== undefined) rows.push(costRow(op.type, op.cost));
  return rows;
}

function regressionText(r: Comparison['regressions'][number]): string {
  if (r.metric === 'error_rate') return `${r.type} error rate ${signed(`${r.amount!.toFixed(2)}pp`, r.amount!)}`;
  if (r.metric === 'cost') return `${r.type} cost per operation ${percentText(r.amount)}`;
  return `${r.type} ${r.metric} ${percentText(r.amount)}`;
}

/** The comparison as an aligned table plus the verdict, for a terminal or a CI log. */
export function formatComparison(comparison: Comparison): string {
  const limit = `${comparison.maxRegressionPercent}%`;
  const lines: string[] = [];
  if (comparison.operations.length > 0) {
    lines.push(formatTable(HEADER, comparison.operations.flatMap(operationRows)));
  } else {
    lines.push('(no operation type is present in both reports)');
  }
  lines.push('');
  for (const op of comparison.operations) {
    if (op.notJudged !== undefined) lines.push(`not judged: ${op.type} (${op.notJudged})`);
  }
  if (comparison.onlyInBaseline.length > 0) {
    lines.push(`only in baseline: ${comparison.onlyInBaseline.join(', ')}`);
  }
  if (comparison.onlyInCurrent.length > 0) {
    lines.push(`only in current: ${comparison.onlyInCurrent.join(', ')}`);
  }
  if (comparison.regressions.length === 0) {
    lines.push(`ok: no p95/p99 latency, error-rate or cost regression over ${limit}`);
  } else {
    const list = comparison.regressions.map(regressionText);
    lines.push(`FAIL: ${comparison.regressions.length} regression(s) over ${limit}: ${list.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** The comparison as JSON (snake_case like the report; durations in seconds, error rates 0..1). */
export function comparisonToJson(comparison: Comparison): object {
  const operations: Record<string, object> = {};
  for (const op of comparison.operations) {
    const entry: Record<string, unknown> = {
      baseline_total: op.baselineTotal,
      current_total: op.currentTotal,
      judged: op.notJudged === undefined,
    };
    if (op.notJudged !== undefined) entry.not_judged_reason = op.notJudged;
    for (const change of op.latency) {
      entry[change.percentile] = {
        baseline: change.baselineSeconds,
        current: change.currentSeconds,
        change: change.changeSeconds,
        change_percent: change.changePercent,
        gated: change.gated,
        regressed: change.regressed,
      };
    }
    entry.error_rate = {
      baseline: op.errorRate.baseline,
      current: op.errorRate.current,
      change_points: op.errorRate.changePoints,
      change_percent: op.errorRate.changePercent,
      regressed: op.errorRate.regressed,
    };
    if (op.cost !== undefined) {
      entry.cost_per_operation = {
        baseline_usd: op.cost.baselineUsd,
        current_usd: op.cost.currentUsd,
        change_usd: op.cost.changeUsd,
        change_percent: op.cost.changePercent,
        judged: op.cost.judged,
        regressed: op.cost.regressed,
      };
    }
    operations[op.type] = entry;
  }
  return {
    max_regression_percent: comparison.maxRegressionPercent,
    min_operations: comparison.minOperations,
    regressed: comparison.regressions.length > 0,
    regressions: comparison.regressions.map((r) =>
      r.metric === 'error_rate'
        ? { operation: r.type, metric: r.metric, change_points: r.amount }
        : { operation: r.type, metric: r.metric === 'cost' ? 'cost_per_operation' : r.metric, change_percent: r.amount },
    ),
    operations,
    only_in_baseline: comparison.onlyInBaseline,
    only_in_current: comparison.onlyInCurrent,
  };
}
