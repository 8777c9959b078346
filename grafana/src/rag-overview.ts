/**
 * "RAG overview": one screen per service — latency percentiles, throughput, errors, tokens, cost
 * and memory per operation type, plus process health. Every query aggregates with `sum by (...)`
 * first, so the same panel is right for one instance or a fleet.
 */
import { DashboardCursorSync, type Dashboard, type DashboardLink } from '@grafana/schema';

import { HOST_SERIES, LABELS, SERIES } from './metric-names';
import {
  HEALTH_MAPPINGS,
  datasourceVariable,
  gridRow,
  labelVariable,
  numberPanels,
  row,
  stat,
  timeseries,
} from './panels';

export const OVERVIEW_UID = 'ragmeter-overview';
export const DRILLDOWN_UID = 'ragmeter-drilldown';

/** Threshold drawn on the error-ratio panels; the alert's own threshold lives in
 * prometheus/rules/ragmeter.rules.yml (ragmeter:objective:error_ratio_max). */
const ERROR_RATIO_LINE = 0.1;

const T = LABELS.operationType;
const SEL = 'job=~"$job"';
const WINDOW = '$__rate_interval';

const opsPerType = `sum by (${T}) (rate(${SERIES.durationCount}{${SEL}}[${WINDOW}]))`;
const failedPerType = `sum by (${T}) (rate(${SERIES.durationCount}{${SEL}, ${LABELS.errorType}!=""}[${WINDOW}]))`;

function latencyQuantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, ${T}) (rate(${SERIES.durationBucket}{${SEL}}[${WINDOW}])))`;
}

/** Opens the drill-down for the operation type of the series that was clicked. */
const DRILL_DOWN_LINK = {
  title: 'Drill down into ${__field.labels.rag_operation_type}',
  url: `/d/${DRILLDOWN_UID}?\${datasource:queryparam}&\${job:queryparam}&var-type=\${__field.labels.${T}}&\${__url_time_range}`,
};

export const RAGMETER_LINKS: DashboardLink[] = [
  {
    title: 'ragmeter',
    type: 'dashboards',
    tags: ['ragmeter'],
    asDropdown: false,
    icon: 'external link',
    includeVars: true,
    keepTime: true,
    targetBlank: false,
    tooltip: '',
  },
];

function panels() {
  const service = gridRow(1, 6, 4);
  const latency = gridRow(service.next + 1, 3, 8);
  const traffic = gridRow(latency.next + 1, 2, 8);
  const tokens = gridRow(traffic.next + 1, 2, 8);
  const cost = gridRow(tokens.next + 1, 4, 8);
  const process = gridRow(cost.next + 1, 3, 8);

  return [
    row('Service', 0),
    stat({
      title: 'Health',
      description: 'rag_health_status per process: 1 healthy, 0 warning (thresholds set in the SDK: RSS, error ratio, optional p95 objectives).',
      unit: 'none',
      mappings: HEALTH_MAPPINGS,
      queries: [{ expr: `min by (job, instance) (${SERIES.health}{${SEL}})`, legend: '{{job}} {{instance}}' }],
      gridPos: service.at(0),
    }),
    stat({
      title: 'Operations / s',
      description: 'Tracked operations per second, all types and instances.',
      unit: 'ops',
      queries: [{ expr: `sum(rate(${SERIES.durationCount}{${SEL}}[${WINDOW}]))`, legend: 'operations' }],
      gridPos: service.at(1),
    }),
    stat({
      title: 'Error ratio',
      description: 'Failed operations / all operations, all types.',
      unit: 'percentunit',
      redAt: ERROR_RATIO_LINE,
      queries: [
        {
          expr: `(sum(rate(${SERIES.durationCount}{${SEL}, ${LABELS.errorType}!=""}[${WINDOW}])) or sum(rate(${SERIES.durationCount}{${SEL}}[${WINDOW}])) * 0) / sum(rate(${SERIES.durationCount}{${SEL}}[${WINDOW}]))`,
          legend: 'error ratio',
        },
      ],
      gridPos: service.at(2),
    }),
    stat({
      title: 'Tokens / s',
      description: 'Input + output tokens per second, all types.',
      unit: 'short',
      queries: [{ expr: `sum(rate(${SERIES.tokensSum}{${SEL}}[${WINDOW}]))`, legend: 'tokens' }],
      gridPos: service.at(3),
    }),
    stat({
      title: 'Largest RSS',
      description: 'Resident memory of the largest process (host metrics).',
      unit: 'bytes',
      queries: [{ expr: `max(${HOST_SERIES.processMemory}{${SEL}})`, legend: 'RSS' }],
      gridPos: service.at(4),
    }),
    stat({
      title: 'Dropped values / s',
      description: 'Values the SDK dropped as invalid or over a limit (rag_sdk_dropped_total). Should stay at 0.',
      unit: 'short',
      redAt: 1e-9,
      noValue: '0',
      queries: [{ expr: `sum(rate(${SERIES.dropped}{${SEL}}[${WINDOW}]))`, legend: 'dropped' }],
      gridPos: service.at(5),
    }),

    row('Latency by operation type', service.next),
    ...([0.5, 0.95, 0.99] as const).map((q, i) =>
      timeseries({
        title: `p${Math.round(q * 100)} latency`,
        description: `${q * 100}th percentile of rag_operation_duration_seconds per operation type, interpolated within the explicit buckets (0.01 s × 2^k): read it as "within a factor of 2".`,
        unit: 's',
        min: 0,
        queries: [{ expr: latencyQuantile(q), legend: `{{${T}}}` }],
        links: [DRILL_DOWN_LINK],
        gridPos: latency.at(i),
      }),
    ),

    row('Throughput and errors', latency.next),
    timeseries({
      title: 'Throughput',
      description: 'Operations per second per operation type (successful and failed).',
      unit: 'ops',
      min: 0,
      queries: [{ expr: opsPerType, legend: `{{${T}}}` }],
      links: [DRILL_DOWN_LINK],
      gridPos: traffic.at(0),
    }),
    timeseries({
      title: 'Error ratio',
      description: 'Failed / all operations per operation type. The red line is the alert threshold.',
      unit: 'percentunit',
      min: 0,
      redAt: ERROR_RATIO_LINE,
      queries: [{ expr: `(${failedPerType} or ${opsPerType} * 0) / ${opsPerType}`, legend: `{{${T}}}` }],
      links: [DRILL_DOWN_LINK],
      gridPos: traffic.at(1),
    }),

    row('Tokens', traffic.next),
    timeseries({
      title: 'Tokens / s (input and output)',
      description: 'Token throughput per operation type and gen_ai_token_type.',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (${T}, ${LABELS.tokenType}) (rate(${SERIES.tokensSum}{${SEL}, ${LABELS.tokenType}=~"input|output"}[${WINDOW}]))`,
          legend: `{{${T}}} {{${LABELS.tokenType}}}`,
        },
      ],
      gridPos: tokens.at(0),
    }),
    timeseries({
      title: 'Tokens per operation',
      description: 'Mean tokens per operation per type and token type.',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (${T}, ${LABELS.tokenType}) (rate(${SERIES.tokensSum}{${SEL}}[${WINDOW}])) / sum by (${T}, ${LABELS.tokenType}) (rate(${SERIES.tokensCount}{${SEL}}[${WINDOW}]))`,
          legend: `{{${T}}} {{${LABELS.tokenType}}}`,
        },
      ],
      gridPos: tokens.at(1),
    }),

    row('Cost', tokens.next),
    timeseries({
      title: 'Cost per query',
      description:
        'USD spent per query_processing operation: all priced operations (LLM, embeddings, ...) over queries. Priced from each operation\'s model and tokens by the SDK (the pricing option / bundled table).',
      unit: 'currencyUSD',
      min: 0,
      queries: [
        {
          expr: `sum(rate(${SERIES.cost}{${SEL}}[${WINDOW}])) / sum(rate(${SERIES.durationCount}{${SEL}, ${T}="query_processing"}[${WINDOW}]))`,
          legend: 'per query',
        },
      ],
      gridPos: cost.at(0),
    }),
    timeseries({
      title: 'Cost per operation by stage',
      description: 'USD per priced operation, per operation type (rag_operation_cost_USD_total / rag_operation_priced_total).',
      unit: 'currencyUSD',
      min: 0,
      queries: [
        {
          expr: `sum by (${T}) (rate(${SERIES.cost}{${SEL}}[${WINDOW}])) / sum by (${T}) (rate(${SERIES.priced}{${SEL}}[${WINDOW}]))`,
          legend: `{{${T}}}`,
        },
      ],
      links: [DRILL_DOWN_LINK],
      gridPos: cost.at(1),
    }),
    timeseries({
      title: 'Spend per hour by model',
      description: 'USD per hour at the current rate, per price-table entry (rag_cost_model). The cost burn-rate alert compares the service total with ragmeter:objective:cost_usd_per_hour_max.',
      unit: 'currencyUSD',
      min: 0,
      queries: [
        {
          expr: `sum by (${LABELS.costModel}) (rate(${SERIES.cost}{${SEL}}[${WINDOW}])) * 3600`,
          legend: `{{${LABELS.costModel}}}`,
        },
      ],
      gridPos: cost.at(2),
    }),
    timeseries({
      title: 'Unpriced operations / s',
      description: 'Operations whose model has no price, by model: they add nothing to the cost. Add a price with the pricing option or RAGMETER_PRICING_FILE. Should stay at 0.',
      unit: 'ops',
      min: 0,
      queries: [
        {
          expr: `sum by (${LABELS.costModel}) (rate(${SERIES.unpriced}{${SEL}}[${WINDOW}]))`,
          legend: `{{${LABELS.costModel}}}`,
        },
      ],
      gridPos: cost.at(3),
    }),

    row('Memory and process', cost.next),
    timeseries({
      title: 'Heap change attributed to operations',
      description: 'Slope of rag_operation_memory_delta_bytes (a running sum of per-operation heap deltas, so deriv(), not rate()): bytes per second by type; negative when the garbage collector wins.',
      unit: 'Bps',
      queries: [{ expr: `sum by (${T}) (deriv(${SERIES.memoryDelta}{${SEL}}[${WINDOW}]))`, legend: `{{${T}}}` }],
      gridPos: process.at(0),
    }),
    timeseries({
      title: 'Process RSS',
      description: 'Resident set size per process (host metrics).',
      unit: 'bytes',
      min: 0,
      queries: [{ expr: `sum by (job, instance) (${HOST_SERIES.processMemory}{${SEL}})`, legend: '{{job}} {{instance}}' }],
      gridPos: process.at(1),
    }),
    timeseries({
      title: 'Process CPU',
      description: 'CPU seconds per second per process, user + system (100% = one core).',
      unit: 'percentunit',
      min: 0,
      queries: [
        {
          expr: `sum by (job, instance) (rate(${HOST_SERIES.processCpuTime}{${SEL}}[${WINDOW}]))`,
          legend: '{{job}} {{instance}}',
        },
      ],
      gridPos: process.at(2),
    }),
  ];
}

export function ragOverview(): Dashboard {
  return {
    uid: OVERVIEW_UID,
    title: 'RAG overview',
    description: 'ragmeter: latency, throughput, errors, tokens, cost and memory per RAG operation type.',
    tags: ['ragmeter'],
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: 42,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    links: RAGMETER_LINKS,
    templating: {
      list: [
        datasourceVariable(),
        labelVariable('job', 'Service', `label_values(${SERIES.durationCount}, job)`),
      ],
    },
    panels: numberPanels(panels()),
  };
}
