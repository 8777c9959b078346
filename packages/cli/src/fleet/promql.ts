import { InputError } from '../errors.js';

// The PromQL of the fleet view, built from the series ragmeter exports (docs/metrics.md).
// Every query aggregates to a plain number per label set, so the answers are float samples
// whether the server stores native or classic histograms.

/** The label the SDK puts on every operation series. */
export const TYPE_LABEL = 'rag_operation_type';

export const SERIES = {
  duration: 'rag_operation_duration_seconds',
  tokens: 'rag_operation_tokens',
  timeToFirstToken: 'rag_operation_time_to_first_token_seconds',
  memoryDelta: 'rag_operation_memory_delta_bytes',
  dropped: 'rag_sdk_dropped_total',
  healthStatus: 'rag_health_status',
  /** Host metrics' RSS, bytes. */
  processMemory: 'process_memory_usage',
} as const;

/** What a report covers: the user's label matchers, and a window or everything since start. */
export interface Scope {
  /** Label matchers, each like `service_name="rag-api"`, added to every series selector. */
  matchers: readonly string[];
  /** A PromQL duration such as `5m`; undefined for since start (the counters' current values). */
  window?: string;
}

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** `--window`: a PromQL duration (30s, 5m, 1h30m) in seconds; an InputError otherwise. */
export function parseWindow(text: string): number {
  if (!DURATION.test(text)) {
    throw new InputError(`--window '${text}': not a duration such as 30s, 5m, 1h or 1h30m`);
  }
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (seconds <= 0) throw new InputError(`--window '${text}': must be longer than 0`);
  return seconds;
}

// One matcher: a label name, an operator and a double- or single-quoted string.
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*(,|$)/y;

/**
 * `--selector '{service_name="rag-api", env=~"prod|staging"}'` (braces optional) as a list of
 * matchers. Checked here so that a typo fails with a plain message instead of a parse error on
 * the twentieth query; a metric name or `__name__` is refused, the series are ours to choose.
 */
export function parseSelector(text: string): string[] {
  let body = text.trim();
  if (body.startsWith('{') && body.endsWith('}')) body = body.slice(1, -1);
  const matchers: string[] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < body.length) {
    const start = MATCHER.lastIndex;
    const m = MATCHER.exec(body);
    if (m === null) {
      if (body.slice(start).trim() === '') break;
      throw new InputError(
        `--selector '${text}': expected label matchers such as {service_name="rag-api"}, stopped at '${body.slice(start).trim()}'`,
      );
    }
    if (m[1] === '__name__') throw new InputError(`--selector '${text}': __name__ cannot be chosen, the series are ragmeter's`);
    matchers.push(`${m[1]}${m[2]}${m[3]}`);
    if (m[4] === '') break;
  }
  return matchers;
}

/** `name{matchers}` with the scope's matchers and any extra ones. */
export function selector(name: string, scope: Scope, extra: readonly string[] = []): string {
  const all = [...scope.matchers, ...extra];
  return all.length === 0 ? name : `${name}{${all.join(',')}}`;
}

/** A counter-like selector as the scope wants it: its value since start, or its increase over the window. */
export function counter(series: string, scope: Scope): string {
  return scope.window === undefined ? series : `increase(${series}[${scope.window}])`;
}

const by = (labels: readonly string[]): string => `by (${labels.join(', ')})`;

/**
 * A histogram's observation count (or, with `part: 'sum'`, the sum of observations) per
 * `labels`. Native histograms (the series under the bare name) are read where a label set has
 * them, classic `_count`/`_sum` series otherwise; `or` keeps each label set from one side only,
 * so nothing is counted twice on a server that stores both.
 */
export function histogramTotal(
  name: string,
  part: 'count' | 'sum',
  labels: readonly string[],
  scope: Scope,
  extra: readonly string[] = [],
): string {
  const native = `sum ${by(labels)} (histogram_${part}(${counter(selector(name, scope, extra), scope)}))`;
  const classic = `sum ${by(labels)} (${counter(selector(`${name}_${part}`, scope, extra), scope)})`;
  return `${native} or ${classic}`;
}

/** The q-quantile per `labels` over the summed buckets of every instance (native or classic). */
export function histogramQuantile(name: string, q: number, labels: readonly string[], scope: Scope): string {
  const native = `histogram_quantile(${q}, sum ${by(labels)} (${counter(selector(name, scope), scope)}))`;
  const classic = `histogram_quantile(${q}, sum ${by([...labels, 'le'])} (${counter(selector(`${name}_bucket`, scope), scope)}))`;
  return `${native} or ${classic}`;
}

/**
 * The quantile taken as "min": the lowest bucket holding an observation. Histograms keep no
 * minimum; a rank just above 0 lands in the first non-empty bucket, near its lower bound.
 */
export const MIN_QUANTILE = 1e-9;
/** The quantile taken as "max": histogram_quantile(1) is the upper bound of the highest non-empty bucket. */
export const MAX_QUANTILE = 1;

/** Every query of one fleet report except cost (cost-queries.ts), by what it answers. */
export function fleetQueries(scope: Scope): Record<string, string> {
  const t = [TYPE_LABEL];
  const d = SERIES.duration;
  const instance = ['job', 'instance'];
  const memory =
    scope.window === undefined
      ? `sum by (${TYPE_LABEL}) (${selector(SERIES.memoryDelta, scope)})`
      : // A running sum that can go down: its change over the window, not increase().
        `sum by (${TYPE_LABEL}) (delta(${selector(SERIES.memoryDelta, scope)}[${scope.window}]))`;
  return {
    count: histogramTotal(d, 'count', t, scope),
    failed: histogramTotal(d, 'count', t, scope, ['error_type!=""']),
    durationSum: histogramTotal(d, 'sum', t, scope),
    p50: histogramQuantile(d, 0.5, t, scope),
    p95: histogramQuantile(d, 0.95, t, scope),
    p99: histogramQuantile(d, 0.99, t, scope),
    min: histogramQuantile(d, MIN_QUANTILE, t, scope),
    max: histogramQuantile(d, MAX_QUANTILE, t, scope),
    tokens: histogramTotal(SERIES.tokens, 'sum', [TYPE_LABEL, 'gen_ai_token_type'], scope),
    memoryDelta: memory,
    ttftCount: histogramTotal(SERIES.timeToFirstToken, 'count', t, scope),
    ttftP50: histogramQuantile(SERIES.timeToFirstToken, 0.5, t, scope),
    ttftP95: histogramQuantile(SERIES.timeToFirstToken, 0.95, t, scope),
    ttftP99: histogramQuantile(SERIES.timeToFirstToken, 0.99, t, scope),
    dropped: `sum by (reason) (${counter(selector(SERIES.dropped, scope), scope)})`,
    instances: `group by (job, instance) (${selector(SERIES.healthStatus, scope)})`,
    instanceOperations: histogramTotal(d, 'count', instance, scope),
    instanceRss: `max by (job, instance) (${selector(SERIES.processMemory, scope)})`,
  };
}
