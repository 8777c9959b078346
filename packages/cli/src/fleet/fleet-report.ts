import type { CostTotal, OperationReport, PerformanceStats, Report } from '@ragmeter/sdk';
import { evaluateHealth, toOperationReport } from '@ragmeter/sdk/format';
import { REPORT_SCHEMA_VERSION } from '@ragmeter/sdk';
import { costQueries, costTotal, operationCost } from './cost-queries.js';
import { PrometheusError, type PrometheusClient, type Sample } from './prometheus-client.js';
import { fleetQueries, selector, SERIES, TYPE_LABEL, type Scope } from './promql.js';

const BYTES_PER_MB = 1024 * 1024;

/** One instance whose series the report sums, as Prometheus labels it. */
export interface FleetInstance {
  job: string;
  instance: string;
  /** Operations it recorded in the report's scope. */
  total_operations?: number;
  /** Its process RSS (host metrics' process_memory_usage), MB. */
  rss_mb?: number;
}

/** An operation type's figures; `cost` when one of its operations had a model, as in the SDK's report. */
export type FleetOperationReport = OperationReport;

/** The report in the SDK's layout (the current schema version, so `cost` is always there), plus the instances it covers. */
export type FleetReport = Omit<Report, 'operations' | 'cost'> & {
  operations: Record<string, FleetOperationReport>;
  instances: { count: number; list: FleetInstance[] };
  cost: CostTotal;
};

export interface FleetReportResult {
  report: FleetReport;
  /** Queries sent for this report. */
  queries: number;
}

type Answers<K extends string> = Record<K, Sample[]>;

/** Runs every query at once, all at the same evaluation time. */
async function runAll<K extends string>(
  client: PrometheusClient,
  queries: Record<K, string>,
  time: number,
  signal: AbortSignal | undefined,
): Promise<Answers<K>> {
  const keys = Object.keys(queries) as K[];
  const results = await Promise.all(keys.map((k) => client.query(queries[k], time, signal)));
  return Object.fromEntries(keys.map((k, i) => [k, results[i]])) as Answers<K>;
}

/** Samples keyed by one label's value; NaN (an empty histogram) counts as absent. */
function byLabel(samples: Sample[], label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (Number.isFinite(s.value)) out.set(s.labels[label] ?? '', s.value);
  return out;
}

/** A windowed increase() is extrapolated, so counts are rounded; since start they are exact already. */
const count = (value: number | undefined): number => Math.max(0, Math.round(value ?? 0));
const nonNegative = (value: number | undefined): number => (value !== undefined && value > 0 ? value : 0);

type CostAnswers = Answers<keyof ReturnType<typeof costQueries>>;

/** A type's cost figures, counts clamped to its operations (a windowed increase() is extrapolated). */
function costStats(total: number, get: (k: keyof CostAnswers) => number | undefined): Pick<PerformanceStats, 'totalCostUsd' | 'avgCostUsd' | 'pricedOperations' | 'unpricedOperations'> {
  const usd = nonNegative(get('costUsd'));
  const unpriced = Math.min(total, count(get('unpriced')));
  const priced = Math.min(total - unpriced, count(get('priced')));
  const cost = operationCost(usd, priced, unpriced);
  return { totalCostUsd: cost.total_usd, avgCostUsd: cost.avg_usd, pricedOperations: priced, unpricedOperations: unpriced };
}

function operationStats(
  type: string,
  a: Answers<keyof ReturnType<typeof fleetQueries>>,
  get: (k: keyof typeof a) => number | undefined,
  getCost: (k: keyof CostAnswers) => number | undefined,
): PerformanceStats {
  const total = count(get('count'));
  const failed = Math.min(total, count(get('failed')));
  const has = total > 0;
  let input = 0;
  let output = 0;
  let other = 0;
  for (const s of a.tokens) {
    if (s.labels[TYPE_LABEL] !== type || !Number.isFinite(s.value)) continue;
    const kind = s.labels.gen_ai_token_type;
    if (kind === 'input') input += s.value;
    else if (kind === 'output') output += s.value;
    else other += s.value;
  }
  const tokens = input + output + other;
  const memoryMb = (get('memoryDelta') ?? 0) / BYTES_PER_MB;
  const ttftCount = count(get('ttftCount'));
  const q = (k: keyof typeof a): number => (has ? nonNegative(get(k)) : 0);
  const ttft = (k: keyof typeof a): number => (ttftCount > 0 ? nonNegative(get(k)) : 0);
  return {
    operationType: type,
    totalOperations: total,
    successfulOperations: total - failed,
    failedOperations: failed,
    minDurationSeconds: q('min'),
    maxDurationSeconds: q('max'),
    avgDurationSeconds: has ? nonNegative(get('durationSum')) / total : 0,
    p50DurationSeconds: q('p50'),
    p95DurationSeconds: q('p95'),
    p99DurationSeconds: q('p99'),
    totalTokens: tokens,
    avgTokens: has ? tokens / total : 0,
    inputTokens: input,
    outputTokens: output,
    totalMemoryDeltaMb: memoryMb,
    avgMemoryDeltaMb: has ? memoryMb / total : 0,
    timeToFirstTokenCount: ttftCount,
    p50TimeToFirstTokenSeconds: ttft('ttftP50'),
    p95TimeToFirstTokenSeconds: ttft('ttftP95'),
    p99TimeToFirstTokenSeconds: ttft('ttftP99'),
    ...costStats(total, getCost),
  };
}

/** The SDK's layout of one type's stats, so a fleet report reads like a process's. */
function toFleetOperationReport(s: PerformanceStats): FleetOperationReport {
  const report: FleetOperationReport = toOperationReport(s);
  // As the SDK: a type has a cost when any of its operations had a model, priced or not. Since
  // start that is "the type has a cost series"; over a window, one that grew in it. A USD series
  // without priced or unpriced counts (not exported by any SDK version) still shows its cost.
  if (report.cost === undefined && s.totalCostUsd > 0) {
    report.cost = operationCost(s.totalCostUsd, s.pricedOperations, s.unpricedOperations);
  }
  return report;
}

const instanceKey = (labels: Record<string, string>): string => JSON.stringify([labels.job ?? '', labels.instance ?? '']);

function instancesOf(a: Answers<'instances' | 'instanceOperations' | 'instanceRss'>): FleetInstance[] {
  const list = new Map<string, FleetInstance>();
  const entry = (labels: Record<string, string>): FleetInstance => {
    const key = instanceKey(labels);
    let found = list.get(key);
    if (found === undefined) {
      found = { job: labels.job ?? '', instance: labels.instance ?? '' };
      list.set(key, found);
    }
    return found;
  };
  for (const s of a.instances) entry(s.labels);
  for (const s of a.instanceOperations) if (Number.isFinite(s.value)) entry(s.labels).total_operations = count(s.value);
  // RSS only for instances already known to run ragmeter: process_memory_usage is anyone's.
  for (const s of a.instanceRss) {
    const known = list.get(instanceKey(s.labels));
    if (known !== undefined && Number.isFinite(s.value) && s.value >= 0) known.rss_mb = s.value / BYTES_PER_MB;
  }
  return [...list.values()].sort((x, y) => x.job.localeCompare(y.job) || x.instance.localeCompare(y.instance));
}

/**
 * The fleet report: the SDK's report layout computed with PromQL over every instance's series,
 * judged by the SDK's own health rule. Throws PrometheusError when nothing of ragmeter's is there.
 */
export async function fetchFleetReport(
  client: PrometheusClient,
  scope: Scope,
  windowSeconds: number | null,
  options: { now?: Date; signal?: AbortSignal } = {},
): Promise<FleetReportResult> {
  const now = options.now ?? new Date();
  const before = client.queries;
  const time = now.getTime() / 1000;
  const [a, c] = await Promise.all([
    runAll(client, fleetQueries(scope), time, options.signal),
    runAll(client, costQueries(scope), time, options.signal),
  ]);

  const instances = instancesOf(a);
  if (instances.length === 0 && a.count.length === 0) {
    const where = scope.matchers.length === 0 ? '' : ` matching {${scope.matchers.join(',')}}`;
    throw new PrometheusError(
      `Prometheus at ${client.target.shown} has no ragmeter series${where} (looked for ${selector(SERIES.healthStatus, scope)} and ${SERIES.duration}_count)`,
    );
  }

  const counts = byLabel(a.count, TYPE_LABEL);
  const maps = new Map<string, Map<string, number>>();
  const get = (type: string) => (k: keyof typeof a): number | undefined => {
    let m = maps.get(k);
    if (m === undefined) maps.set(k, (m = byLabel(a[k], TYPE_LABEL)));
    return m.get(type);
  };
  const costMaps = new Map<string, Map<string, number>>();
  const getCost = (type: string) => (k: keyof typeof c): number | undefined => {
    let m = costMaps.get(k);
    if (m === undefined) costMaps.set(k, (m = byLabel(c[k], TYPE_LABEL)));
    return m.get(type);
  };
  const stats: Record<string, PerformanceStats> = {};
  for (const type of [...counts.keys()].filter((t) => t !== '').sort()) {
    const s = operationStats(type, a, get(type), getCost(type));
    if (s.totalOperations > 0) stats[type] = s;
  }

  const operations: Record<string, FleetOperationReport> = {};
  let total = 0;
  for (const [type, s] of Object.entries(stats)) {
    total += s.totalOperations;
    operations[type] = toFleetOperationReport(s);
  }

  const rss = instances.flatMap((i) => (i.rss_mb === undefined ? [] : [i.rss_mb]));
  const largestRss = rss.length > 0 ? Math.max(...rss) : 0;
  const dropped = new Map([...byLabel(a.dropped, 'reason')].map(([reason, n]) => [reason, count(n)]).filter(([, n]) => (n as number) > 0) as [string, number][]);

  const report: FleetReport = {
    schema_version: REPORT_SCHEMA_VERSION,
    timestamp: now.toISOString(),
    window_seconds: windowSeconds,
    total_operations: total,
    memory: {
      // Per instance figures across the fleet: "current" is the largest, as health judges it.
      current_rss_mb: largestRss,
      min_rss_mb: rss.length > 0 ? Math.min(...rss) : 0,
      max_rss_mb: largestRss,
      avg_rss_mb: rss.length > 0 ? rss.reduce((x, y) => x + y, 0) / rss.length : 0,
      heap_used_mb: 0,
      samples: rss.length,
    },
    operations,
    health: evaluateHealth(largestRss, stats, total),
    dropped: { total: [...dropped.values()].reduce((x, y) => x + y, 0), by_reason: Object.fromEntries(dropped) },
    instances: { count: instances.length, list: instances },
    cost: costTotal(Object.values(operations).flatMap((op) => (op.cost === undefined ? [] : [op.cost]))),
  };
  return { report, queries: client.queries - before };
}
