// The live view while the demo runs: per-stage p50/p95/p99 and error rate since start, plus
// the workload's HTTP outcomes. On a terminal it redraws in place every 2 s; otherwise (logs,
// pipes, containers) it prints a plain table every 10 s, and only when something changed.
import type { Writable } from 'node:stream';
import type { PerformanceMonitor, Report } from '@ragmeter/sdk';
import { formatDuration, formatTable, formatUsd } from '@ragmeter/sdk/format';
import type { WorkloadStats } from './workload.js';

/** Pipeline order, so the table reads like the request's path. */
const STAGE_ORDER = [
  'pdf_loading',
  'semantic_chunking',
  'embedding_generation',
  'document_retrieval',
  'reranking',
  'llm_inference',
  'query_processing',
];

function stageRank(type: string): number {
  const i = STAGE_ORDER.indexOf(type);
  return i === -1 ? STAGE_ORDER.length : i;
}

export function formatWorkload(stats: WorkloadStats, elapsedSeconds: number): string {
  const statuses = Object.entries(stats.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  const rate = elapsedSeconds > 0 ? stats.sent / elapsedSeconds : 0;
  const accuracy =
    stats.answeredOnTopic > 0 ? `${((100 * stats.correctTopSource) / stats.answeredOnTopic).toFixed(1)} %` : '-';
  return (
    `workload: ${stats.sent} queries (${rate.toFixed(1)}/s)  [${statuses || 'no responses yet'}]` +
    (stats.skipped > 0 ? `  skipped ${stats.skipped}` : '') +
    `  top source = expected document: ${accuracy}`
  );
}

/** `-` without a model, `unpriced` when no operation's model had a price (not a $0 nobody paid). */
function costCells(cost: Report['operations'][string]['cost']): string[] {
  if (cost === undefined) return ['-', '-'];
  if (cost.total_usd === 0 && cost.unpriced_operations > 0) return ['unpriced', 'unpriced'];
  return [formatUsd(cost.total_usd), formatUsd(cost.avg_usd)];
}

/** The live table as text: one row per operation type, in pipeline order. Pure. */
export function renderLiveTable(report: Report, elapsedSeconds: number, workload?: WorkloadStats): string {
  const rows = Object.entries(report.operations)
    .sort(([a], [b]) => stageRank(a) - stageRank(b) || a.localeCompare(b))
    .map(([type, op]) => [
      type,
      String(op.total),
      `${(op.error_rate * 100).toFixed(1)}%`,
      formatDuration(op.duration.p50),
      formatDuration(op.duration.p95),
      formatDuration(op.duration.p99),
      ...costCells(op.cost),
    ]);
  const lines = [`ragmeter demo  ${elapsedSeconds.toFixed(0)}s  (since start; Ctrl-C for the final report)`];
  if (workload) lines.push(formatWorkload(workload, elapsedSeconds));
  lines.push('');
  lines.push(rows.length > 0 ? formatTable(['operation', 'count', 'errors', 'p50', 'p95', 'p99', 'cost', 'cost/op'], rows) : '(no operations yet)');
  const unpriced = report.cost?.unpriced_operations ?? 0;
  if (unpriced > 0) {
    lines.push(`${unpriced} operations unpriced: their model has no price (add one with the pricing option or RAGMETER_PRICING_FILE)`);
  }
  return lines.join('\n') + '\n';
}

export interface LiveTableOptions {
  monitor: PerformanceMonitor;
  stream: Writable & { isTTY?: boolean };
  workload?: WorkloadStats;
  /** Defaults: 2 s on a terminal, 10 s otherwise. */
  intervalMs?: number;
}

export class LiveTable {
  private readonly startedAt = Date.now();
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;
  private lastCount = -1;
  private drawing: Promise<void> = Promise.resolve();

  constructor(private readonly options: LiveTableOptions) {
    this.tty = options.stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? (this.tty ? 2000 : 10_000);
  }

  start(): this {
    this.timer = setInterval(() => {
      this.drawing = this.drawing.then(() => this.draw());
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops redrawing; the last table stays on screen. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.drawing;
  }

  private async draw(): Promise<void> {
    try {
      const report = await this.options.monitor.generateReport();
      if (!this.tty && report.total_operations === this.lastCount) return;
      this.lastCount = report.total_operations;
      const text = renderLiveTable(report, (Date.now() - this.startedAt) / 1000, this.options.workload);
      // On a terminal: move up over the previous table and clear to the end of the screen.
      const rewind = this.tty && this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
      this.options.stream.write(rewind + text + (this.tty ? '' : '\n'));
      this.drawnLines = text.split('\n').length - 1;
    } catch {
      // The live view is a convenience; a failed redraw must not stop the service.
    }
  }
}
