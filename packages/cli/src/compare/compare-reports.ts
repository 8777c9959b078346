import type { OperationReport, Report } from '@ragmeter/sdk';

/** Latency percentiles shown by compare. */
export const PERCENTILES = ['p50', 'p95', 'p99'] as const;
export type Percentile = (typeof PERCENTILES)[number];

/** Percentiles whose regression fails the comparison; p50 is shown for context only. */
export const GATED_PERCENTILES: readonly Percentile[] = ['p95', 'p99'];

/**
 * Operations a type needs on each side before it is judged: with fewer, a p99 is one or two
 * samples and a "regression" is noise. Such a type is shown, marked, and never fails.
 */
export const DEFAULT_MIN_OPERATIONS = 20;

export interface CompareOptions {
  /** See DEFAULT_MIN_OPERATIONS. */
  minOperations?: number;
}

/** Float slack so that a change of exactly the limit (10.000000000000009 %) is not "over" it. */
const EPSILON = 1e-9;

export interface LatencyChange {
  percentile: Percentile;
  baselineSeconds: number;
  currentSeconds: number;
  /** current - baseline, seconds. */
  changeSeconds: number;
  /** Relative change in percent; null when the baseline is 0 and the current value is not. */
  changePercent: number | null;
  /** Whether this percentile counts against the limit (p95, p99). */
  gated: boolean;
  regressed: boolean;
}

export interface ErrorRateChange {
  /** failed / total, 0..1. */
  baseline: number;
  current: number;
  /** Change in percentage points: 0.02 -> 0.05 is +3. The limit applies to this. */
  changePoints: number;
  /** Relative change in percent; null when the baseline is 0 and the current value is not. */
  changePercent: number | null;
  regressed: boolean;
}

export interface CostChange {
  /** Average USD per priced operation (the report's cost.avg_usd). */
  baselineUsd: number;
  currentUsd: number;
  /** current - baseline, USD. */
  changeUsd: number;
  /** Relative change in percent; null when the baseline is 0 and the current value is not. */
  changePercent: number | null;
  /** Judged only when the baseline has a cost (total_usd > 0) and the type is judged. */
  judged: boolean;
  regressed: boolean;
}

export interface OperationComparison {
  type: string;
  baselineTotal: number;
  currentTotal: number;
  latency: LatencyChange[];
  errorRate: ErrorRateChange;
  /** When both reports price the type (schema_version 2, operations with a model). */
  cost?: CostChange;
  /** Set when the type could not be judged (no operations on one side); nothing regresses then. */
  notJudged?: string;
}

export interface Regression {
  type: string;
  metric: Percentile | 'error_rate' | 'cost';
  /** Relative change (latency, cost per operation) or percentage points (error rate); null for "from 0". */
  amount: number | null;
}

export interface Comparison {
  /** The limit, in percent (relative for latency, percentage points for error rate). */
  maxRegressionPercent: number;
  /** Operations a type needs on each side to be judged. */
  minOperations: number;
  /** Types present in both reports, in the baseline's order. */
  operations: OperationComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  regressions: Regression[];
}

function relativeChangePercent(baseline: number, current: number): number | null {
  if (baseline === 0) return current === 0 ? 0 : null;
  return ((current - baseline) / baseline) * 100;
}

function compareOperation(
  type: string,
  baseline: OperationReport,
  current: OperationReport,
  limitPercent: number,
  minOperations: number,
): OperationComparison {
  let notJudged: string | undefined;
  if (baseline.total === 0) notJudged = 'no operations in the baseline';
  else if (current.total === 0) notJudged = 'no operations in the current report';
  else if (baseline.total < minOperations) notJudged = `${baseline.total} operations in the baseline, under the minimum of ${minOperations}`;
  else if (current.total < minOperations) notJudged = `${current.total} operations in the current report, under the minimum of ${minOperations}`;
  const judged = notJudged === undefined;

  const latency = PERCENTILES.map((percentile): LatencyChange => {
    const baselineSeconds = baseline.duration[percentile];
    const currentSeconds = current.duration[percentile];
    const changePercent = relativeChangePercent(baselineSeconds, currentSeconds);
    const gated = GATED_PERCENTILES.includes(percentile);
    // From 0 to anything is more than any finite relative limit.
    const over = changePercent === null || changePercent - limitPercent > EPSILON;
    return {
      percentile,
      baselineSeconds,
      currentSeconds,
      changeSeconds: currentSeconds - baselineSeconds,
      changePercent,
      gated,
      regressed: judged && gated && over,
    };
  });

  const changePoints = (current.error_rate - baseline.error_rate) * 100;
  const errorRate: ErrorRateChange = {
    baseline: baseline.error_rate,
    current: current.error_rate,
    changePoints,
    changePercent: relativeChangePercent(baseline.error_rate, current.error_rate),
    regressed: judged && changePoints - limitPercent > EPSILON,
  };

  const comparison: OperationComparison = {
    type,
    baselineTotal: baseline.total,
    currentTotal: current.total,
    latency,
    errorRate,
  };
  if (baseline.cost !== undefined && current.cost !== undefined) {
    const baselineUsd = baseline.cost.avg_usd;
    const currentUsd = current.cost.avg_usd;
    const changePercent = relativeChangePercent(baselineUsd, currentUsd);
    // A baseline without any cost (all unpriced) is no reference: shown, not judged.
    const costJudged = judged && baseline.cost.total_usd > 0;
    comparison.cost = {
      baselineUsd,
      currentUsd,
      changeUsd: currentUsd - baselineUsd,
      changePercent,
      judged: costJudged,
      regressed: costJudged && (changePercent === null || changePercent - limitPercent > EPSILON),
    };
  }
  if (notJudged !== undefined) comparison.notJudged = notJudged;
  return comparison;
}

/**
 * Compares two reports type by type. A type regresses when its p95 or p99 grows by more than
 * `maxRegressionPercent` of the baseline value, its error rate rises by more than
 * `maxRegressionPercent` percentage points, or its average cost per priced operation grows by
 * more than `maxRegressionPercent` of the baseline's (when both reports price it and the
 * baseline's cost is above 0). Types found in only one report, or with fewer than
 * `minOperations` on a side, are listed, not judged.
 */
export function compareReports(
  baseline: Report,
  current: Report,
  maxRegressionPercent: number,
  { minOperations = DEFAULT_MIN_OPERATIONS }: CompareOptions = {},
): Comparison {
  const operations: OperationComparison[] = [];
  const onlyInBaseline: string[] = [];
  for (const [type, base] of Object.entries(baseline.operations)) {
    // hasOwn, not `in` or indexing: a custom type may be called "constructor" or "toString".
    if (Object.hasOwn(current.operations, type)) {
      operations.push(compareOperation(type, base, current.operations[type]!, maxRegressionPercent, minOperations));
    } else {
      onlyInBaseline.push(type);
    }
  }
  const onlyInCurrent = Object.keys(current.operations).filter((type) => !Object.hasOwn(baseline.operations, type));

  const regressions: Regression[] = [];
  for (const op of operations) {
    for (const change of op.latency) {
      if (change.regressed) regressions.push({ type: op.type, metric: change.percentile, amount: change.changePercent });
    }
    if (op.errorRate.regressed) {
      regressions.push({ type: op.type, metric: 'error_rate', amount: op.errorRate.changePoints });
    }
    if (op.cost?.regressed === true) regressions.push({ type: op.type, metric: 'cost', amount: op.cost.changePercent });
  }
  return { maxRegressionPercent, minOperations, operations, onlyInBaseline, onlyInCurrent, regressions };
}
