/**
 * "RAG drill-down": one or more operation types on chosen services and instances — latency
 * percentiles, the latency distribution, per-instance comparison, failures by error type,
 * tokens, heap change per operation, and the processes behind them.
 */
import { DashboardCursorSync, type Dashboard } from '@grafana/schema';

import { HOST_SERIES, LABELS, SERIES } from './metric-names';
import {
  HEALTH_MAPPINGS,
  datasourceVariable,
  gridRow,
  heatmap,
  labelVariable,
  numberPanels,
  row,
  stat,
  timeseries,
} from './panels';
import { DRILLDOWN_UID, RAGMETER_LINKS } from './rag-overview';

const T = LABELS.operationType;
const PROCESS_SEL = 'job=~"$job", instance=~"$instance"';
const SEL = `${PROCESS_SEL}, ${T}=~"$type"`;
const WINDOW = '$__rate_interval';

const opsPerType = `sum by (${T}) (rate(${SERIES.durationCount}{${SEL}}[${WINDOW}]))`;

function latencyQuantile(q: number, by: string, series: string = SERIES.durationBucket): string {
  return `histogram_quantile(${q}, sum by (le, ${by}) (rate(${series}{${SEL}}[${WINDOW}])))`;
}

function panels() {
  const latency = gridRow(1, 2, 8);
  const latency2 = gridRow(latency.next, 3, 8);
  const traffic = gridRow(latency2.next + 1, 3, 8);
  const tokens = gridRow(traffic.next + 1, 2, 8);
  const memory = gridRow(tokens.next + 1, 2, 8);
  const process = gridRow(memory.next + 1, 4, 8);

  return [
    row('Latency: $type', 0),
    timeseries({
      title: 'Latency percentiles',
      description: 'p50 / p95 / p99 of rag_operation_duration_seconds per operation type, across the selected instances.',
      unit: 's',
      min: 0,
      queries: [0.5, 0.95, 0.99].map((q) => ({
        expr: latencyQuantile(q, T),
        legend: `p${Math.round(q * 100)} {{${T}}}`,
      })),
      gridPos: latency.at(0),
    }),
    timeseries({
      title: 'Mean latency',
      description: 'Mean duration per operation type (sum / count).',
      unit: 's',
      min: 0,
      queries: [
        {
          expr: `sum by (${T}) (rate(${SERIES.durationSum}{${SEL}}[${WINDOW}])) / ${opsPerType}`,
          legend: `{{${T}}}`,
        },
      ],
      gridPos: latency.at(1),
    }),
    heatmap({
      title: 'Latency distribution',
      description: 'Operations per duration bucket (0.01 s × 2^k) over time, selected types together.',
      unit: 's',
      queries: [
        {
          expr: `sum by (le) (increase(${SERIES.durationBucket}{${SEL}}[${WINDOW}]))`,
          legend: '{{le}}',
          format: 'heatmap',
        },
      ],
      gridPos: latency2.at(0),
    }),
    timeseries({
      title: 'p95 latency by instance',
      description: 'p95 per instance: a single slow replica stands out here.',
      unit: 's',
      min: 0,
      queries: [{ expr: latencyQuantile(0.95, 'instance'), legend: '{{instance}}' }],
      gridPos: latency2.at(1),
    }),
    timeseries({
      title: 'Time to first token',
      description: 'p50 / p95 time from the start of a streaming LLM operation to its first token (op.markFirstToken()); empty for operations that do not stream.',
      unit: 's',
      min: 0,
      queries: [0.5, 0.95].map((q) => ({
        expr: latencyQuantile(q, T, SERIES.ttftBucket),
        legend: `p${Math.round(q * 100)} {{${T}}}`,
      })),
      gridPos: latency2.at(2),
    }),

    row('Throughput and errors', latency2.next),
    timeseries({
      title: 'Throughput by instance',
      description: 'Operations per second per instance and type.',
      unit: 'ops',
      min: 0,
      queries: [
        {
          expr: `sum by (instance, ${T}) (rate(${SERIES.durationCount}{${SEL}}[${WINDOW}]))`,
          legend: `{{instance}} {{${T}}}`,
        },
      ],
      gridPos: traffic.at(0),
    }),
    timeseries({
      title: 'Error ratio',
      description: 'Failed / all operations per type.',
      unit: 'percentunit',
      min: 0,
      redAt: 0.1,
      queries: [
        {
          expr: `(sum by (${T}) (rate(${SERIES.durationCount}{${SEL}, ${LABELS.errorType}!=""}[${WINDOW}])) or ${opsPerType} * 0) / ${opsPerType}`,
          legend: `{{${T}}}`,
        },
      ],
      gridPos: traffic.at(1),
    }),
    timeseries({
      title: 'Failures by error type',
      description: 'Failed operations per second by error_type (the exception class or error code).',
      unit: 'ops',
      min: 0,
      noValue: '0',
      queries: [
        {
          expr: `sum by (${T}, ${LABELS.errorType}) (rate(${SERIES.durationCount}{${SEL}, ${LABELS.errorType}!=""}[${WINDOW}]))`,
          legend: `{{${T}}} {{${LABELS.errorType}}}`,
        },
      ],
      gridPos: traffic.at(2),
    }),

    row('Tokens', traffic.next),
    timeseries({
      title: 'Tokens / s',
      description: 'Token throughput per type and gen_ai_token_type (no token type: only a total was known).',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (${T}, ${LABELS.tokenType}) (rate(${SERIES.tokensSum}{${SEL}}[${WINDOW}]))`,
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

    row('Memory', tokens.next),
    timeseries({
      title: 'Heap change per operation',
      description: 'Mean heap change per operation: slope of the running sum rag_operation_memory_delta_bytes divided by operations per second.',
      unit: 'bytes',
      queries: [
        {
          expr: `sum by (${T}) (deriv(${SERIES.memoryDelta}{${SEL}}[${WINDOW}])) / ${opsPerType}`,
          legend: `{{${T}}}`,
        },
      ],
      gridPos: memory.at(0),
    }),
    timeseries({
      title: 'Heap change attributed to operations',
      description: 'Bytes per second added to (or, when negative, returned from) the heap by operations of each type.',
      unit: 'Bps',
      queries: [{ expr: `sum by (${T}) (deriv(${SERIES.memoryDelta}{${SEL}}[${WINDOW}]))`, legend: `{{${T}}}` }],
      gridPos: memory.at(1),
    }),

    row('Processes: $instance', memory.next),
    stat({
      title: 'Health',
      description: 'rag_health_status per instance: 1 healthy, 0 warning.',
      unit: 'none',
      mappings: HEALTH_MAPPINGS,
      queries: [{ expr: `min by (instance) (${SERIES.health}{${PROCESS_SEL}})`, legend: '{{instance}}' }],
      gridPos: process.at(0),
    }),
    timeseries({
      title: 'RSS',
      description: 'Resident set size per instance (host metrics).',
      unit: 'bytes',
      min: 0,
      queries: [{ expr: `sum by (instance) (${HOST_SERIES.processMemory}{${PROCESS_SEL}})`, legend: '{{instance}}' }],
      gridPos: process.at(1),
    }),
    timeseries({
      title: 'CPU',
      description: 'CPU seconds per second per instance, user + system (100% = one core).',
      unit: 'percentunit',
      min: 0,
      queries: [
        {
          expr: `sum by (instance) (rate(${HOST_SERIES.processCpuTime}{${PROCESS_SEL}}[${WINDOW}]))`,
          legend: '{{instance}}',
        },
      ],
      gridPos: process.at(2),
    }),
    timeseries({
      title: 'Dropped values',
      description: 'Values the SDK dropped per second, by reason (rag_sdk_dropped_total).',
      unit: 'short',
      min: 0,
      noValue: '0',
      queries: [
        {
          expr: `sum by (${LABELS.dropReason}) (rate(${SERIES.dropped}{${PROCESS_SEL}}[${WINDOW}]))`,
          legend: `{{${LABELS.dropReason}}}`,
        },
      ],
      gridPos: process.at(3),
    }),
  ];
}

export function ragDrilldown(): Dashboard {
  return {
    uid: DRILLDOWN_UID,
    title: 'RAG drill-down',
    description: 'ragmeter: one RAG operation type in detail, per service and instance.',
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
        labelVariable('instance', 'Instance', `label_values(${SERIES.durationCount}{job=~"$job"}, instance)`),
        labelVariable('type', 'Operation type', `label_values(${SERIES.durationCount}{job=~"$job", instance=~"$instance"}, ${T})`),
      ],
    },
    panels: numberPanels(panels()),
  };
}
