import type { Report } from './types.js';

/**
 * Seconds as a short human duration: 850µs, 12.3ms, 1.25s, 2m05s. The unit is chosen after
 * rounding, so a value just under a unit boundary never prints as "1000µs", "1000.0ms",
 * "60.00s" or "1m60s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const abs = Math.abs(seconds);
  if (abs === 0) return '0';
  const sign = seconds < 0 ? '-' : '';
  if (abs < 1e-5) return `${sign}${(abs * 1e6).toFixed(2)}µs`;
  const us = (abs * 1e6).toFixed(0);
  if (abs < 1e-3 && Number(us) < 1000) return `${sign}${us}µs`;
  if (abs < 0.01) return `${sign}${(abs * 1e3).toFixed(2)}ms`;
  const ms = (abs * 1e3).toFixed(1);
  if (abs < 1 && Number(ms) < 1000) return `${sign}${ms}ms`;
  const s = abs.toFixed(2);
  if (Number(s) < 60) return `${sign}${s}s`;
  const total = Math.round(abs);
  const m = Math.floor(total / 60);
  return `${sign}${m}m${String(total - m * 60).padStart(2, '0')}s`;
}

/** Integers with thousands separators; other numbers with `digits` decimals. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '-';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * US dollars for a cost: 2 decimals from $1, 4 from a cent, and 3 significant digits below
 * that (LLM calls often cost a fraction of a cent), never in exponent notation.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return '-';
  const abs = Math.abs(usd);
  if (abs === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1) return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 0.01) return `${sign}$${abs.toFixed(4)}`;
  const digits = Math.min(12, 2 - Math.floor(Math.log10(abs)));
  return `${sign}$${abs.toFixed(digits)}`;
}

/** Lays out rows as a table: first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const OPERATION_TABLE_HEADER = [
  'operation',
  'count',
  'failed',
  'err%',
  'p50',
  'p95',
  'p99',
  'avg',
  'max',
  'tokens',
  'tok/op',
  'memΔ MB',
  'cost',
  'cost/op',
] as const;

/** The per-type rows of a report, one per operation type. */
export function operationRows(report: Report): string[][] {
  return Object.entries(report.operations).map(([type, op]) => [
    type,
    formatNumber(op.total),
    formatNumber(op.failed),
    (op.error_rate * 100).toFixed(1),
    formatDuration(op.duration.p50),
    formatDuration(op.duration.p95),
    formatDuration(op.duration.p99),
    formatDuration(op.duration.avg),
    formatDuration(op.duration.max),
    formatNumber(op.tokens.total),
    formatNumber(op.tokens.avg),
    formatNumber(op.memory_delta_mb.total, 2),
    ...costCells(op.cost),
  ]);
}

export const BREAKDOWN_TABLE_HEADER = ['stage', 'share', 'avg/op'] as const;

/**
 * The stage breakdown as rows: for each parent type, a row with its name, then its own time
 * and each child type's, indented, the largest share first. Empty when there is no breakdown.
 */
export function breakdownRows(report: Report): string[][] {
  const rows: string[][] = [];
  for (const [parent, parts] of Object.entries(report.breakdown ?? {})) {
    rows.push([parent, '', '']);
    const sorted = Object.entries(parts).sort(([, a], [, b]) => b.share - a.share);
    for (const [child, part] of sorted) {
      rows.push([`  ${child}`, `${(part.share * 100).toFixed(1)}%`, formatDuration(part.avg_seconds)]);
    }
  }
  return rows;
}

/**
 * The cost and cost-per-operation cells: `-` when no operation had a model, `unpriced` when
 * none of them had a price (rather than a $0 nobody was billed).
 */
function costCells(cost: Report['operations'][string]['cost']): [string, string] {
  if (cost === undefined) return ['-', '-'];
  if (cost.total_usd === 0 && cost.unpriced_operations > 0) return ['unpriced', 'unpriced'];
  return [formatUsd(cost.total_usd), formatUsd(cost.avg_usd)];
}

/** The whole report as aligned plain text, as printed by printReport() and `ragmeter report`. */
export function formatReport(report: Report): string {
  const m = report.memory;
  const covered = report.window_covered_seconds === undefined ? '' : `, figures cover ${formatDuration(report.window_covered_seconds)}`;
  const scope = report.window_seconds === null ? 'since start' : `last ${report.window_seconds}s${covered}`;
  const lines = [
    `ragmeter report  ${report.timestamp}  (${scope})`,
    `operations: ${formatNumber(report.total_operations)}   ` +
      `RSS MB: current ${m.current_rss_mb.toFixed(1)}, min ${m.min_rss_mb.toFixed(1)}, ` +
      `max ${m.max_rss_mb.toFixed(1)}, avg ${m.avg_rss_mb.toFixed(1)}`,
  ];
  const cost = report.cost;
  if (cost !== undefined && (cost.total_usd > 0 || cost.unpriced_operations > 0 || Object.values(report.operations).some((op) => op.cost !== undefined))) {
    const unpriced = cost.unpriced_operations > 0 ? `   (${formatNumber(cost.unpriced_operations)} operations unpriced: no price for their model)` : '';
    lines.push(`cost: ${formatUsd(cost.total_usd)}${unpriced}`);
  }
  lines.push('');
  const rows = operationRows(report);
  lines.push(rows.length > 0 ? formatTable(OPERATION_TABLE_HEADER, rows) : '(no operations recorded)');
  for (const [type, op] of Object.entries(report.operations)) {
    const t = op.time_to_first_token;
    if (t === undefined) continue;
    lines.push(
      `time to first token, ${type}: p50 ${formatDuration(t.p50)}  p95 ${formatDuration(t.p95)}  p99 ${formatDuration(t.p99)}  (${formatNumber(t.count)} streams)`,
    );
  }
  const stages = breakdownRows(report);
  if (stages.length > 0) {
    lines.push('', 'where the time goes (share of the parent type\'s time; self = not in a child operation):');
    lines.push(formatTable(BREAKDOWN_TABLE_HEADER, stages));
  }
  lines.push('');
  lines.push(`health: ${report.health.status}`);
  for (const issue of report.health.issues) lines.push(`  - ${issue}`);
  if (report.dropped.total > 0) {
    const reasons = Object.entries(report.dropped.by_reason)
      .map(([reason, n]) => `${reason}=${n}`)
      .join(', ');
    lines.push(`dropped: ${report.dropped.total} (${reasons})`);
  }
  return lines.join('\n') + '\n';
}
