/**
 * Typed builders for the few panel kinds the ragmeter dashboards use. Every object they return
 * is checked by the compiler against Grafana's own schema (@grafana/schema): the dashboard model
 * (Panel, RowPanel, VariableModel), and each panel plugin's options and custom field config are
 * built as that plugin's typed `Options` / `FieldConfig` before going into the panel.
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  MappingType,
  PercentChangeColorMode,
  SortOrder,
  ThresholdsMode,
  TooltipDisplayMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
  VisibilityMode,
  VizOrientation,
  type DataSourceRef,
  type GridPos,
  type Panel,
  type RowPanel,
  type ValueMapping,
  type VariableModel,
} from '@grafana/schema';
import type {
  FieldConfig as HeatmapFieldConfig,
  Options as HeatmapOptions,
} from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** The dashboards never name a datasource: they read the `datasource` template variable, so an
 * imported copy works against any Prometheus once that variable is set. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** UID of the Prometheus datasource that grafana/provisioning/datasources provisions. */
export const PROVISIONED_PROMETHEUS_UID = 'prometheus';

/** One PromQL query of a panel. */
export interface Query {
  expr: string;
  /** Grafana legend template, e.g. `{{rag_operation_type}}`. */
  legend: string;
  /** `heatmap` makes Grafana treat `le` series as histogram buckets. */
  format?: 'time_series' | 'heatmap';
}

/** Grafana unit ids used here: seconds, plain numbers, operations per second, 0..1 shown as %,
 * bytes, bytes per second. */
export type Unit = 's' | 'short' | 'ops' | 'percentunit' | 'bytes' | 'Bps' | 'none' | 'currencyUSD';

interface PanelSpec {
  title: string;
  description: string;
  unit: Unit;
  queries: Query[];
  gridPos: GridPos;
  min?: number;
  /** Values at or above this are drawn red (threshold line on time series). */
  redAt?: number;
  mappings?: ValueMapping[];
  /** Shown when the query returns nothing, e.g. "0" for a counter that has never moved. */
  noValue?: string;
  links?: Array<{ title: string; url: string }>;
}

function targets(queries: Query[]): Array<Record<string, unknown>> {
  return queries.map((q, i) => ({
    datasource: PROMETHEUS,
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend,
    format: q.format ?? 'time_series',
    range: true,
    instant: false,
    editorMode: 'code',
  }));
}

function thresholds(redAt: number | undefined) {
  const steps: Array<{ color: string; value: number | null }> = [{ color: 'green', value: null }];
  if (redAt !== undefined) steps.push({ color: 'red', value: redAt });
  return { mode: ThresholdsMode.Absolute, steps };
}

export function timeseries(spec: PanelSpec): Panel {
  const options: TimeSeriesOptions = {
    legend: {
      displayMode: LegendDisplayMode.Table,
      placement: 'bottom',
      showLegend: true,
      calcs: ['mean', 'max', 'lastNotNull'],
    },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  const custom: TimeSeriesFieldConfig = {
    drawStyle: GraphDrawStyle.Line,
    lineWidth: 1,
    fillOpacity: 10,
    showPoints: VisibilityMode.Never,
    spanNulls: false,
    thresholdsStyle: {
      mode: spec.redAt === undefined ? GraphThresholdsStyleMode.Off : GraphThresholdsStyleMode.Line,
    },
  };
  return {
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: spec.gridPos,
    targets: targets(spec.queries),
    options: { ...options },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.noValue !== undefined ? { noValue: spec.noValue } : {}),
        thresholds: thresholds(spec.redAt),
        ...(spec.links ? { links: spec.links } : {}),
        custom: { ...custom },
      },
      overrides: [],
    },
  };
}

export function stat(spec: PanelSpec): Panel {
  const options: StatOptions = {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    colorMode: BigValueColorMode.Background,
    graphMode: BigValueGraphMode.Area,
    justifyMode: BigValueJustifyMode.Auto,
    textMode: BigValueTextMode.Auto,
    wideLayout: true,
    showPercentChange: false,
    percentChangeColorMode: PercentChangeColorMode.Standard,
  };
  return {
    type: 'stat',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: spec.gridPos,
    targets: targets(spec.queries),
    options: { ...options },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.noValue !== undefined ? { noValue: spec.noValue } : {}),
        ...(spec.mappings ? { mappings: spec.mappings } : {}),
        thresholds: thresholds(spec.redAt),
      },
      overrides: [],
    },
  };
}

/** A latency heatmap from `le` buckets (the query must use `format: 'heatmap'`). */
export function heatmap(spec: PanelSpec): Panel {
  const options: HeatmapOptions = {
    calculate: false,
    color: {
      exponent: 0.5,
      fill: 'dark-orange',
      reverse: false,
      scheme: 'Oranges',
      steps: 64,
    },
    exemplars: { color: 'rgba(255,0,255,0.7)' },
    legend: { show: true },
    showValue: VisibilityMode.Auto,
    tooltip: { mode: TooltipDisplayMode.Single, yHistogram: true },
    yAxis: { unit: spec.unit },
    cellGap: 1,
  };
  const custom: HeatmapFieldConfig = { hideFrom: { legend: false, tooltip: false, viz: false } };
  return {
    type: 'heatmap',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: spec.gridPos,
    targets: targets(spec.queries),
    options: { ...options },
    fieldConfig: { defaults: { unit: 'short', custom: { ...custom } }, overrides: [] },
  };
}

export function row(title: string, y: number): RowPanel {
  return { type: 'row', id: 0, title, collapsed: false, panels: [], gridPos: { x: 0, y, w: 24, h: 1 } };
}

/** `rag_health_status`: 1 healthy, 0 warning. */
export const HEALTH_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      '1': { text: 'healthy', color: 'green', index: 0 },
      '0': { text: 'warning', color: 'orange', index: 1 },
    },
  },
];

/** Numbers the panels in reading order; Grafana needs ids unique within a dashboard. */
export function numberPanels<T extends { id?: number }>(panels: T[]): T[] {
  return panels.map((p, i) => ({ ...p, id: i + 1 }));
}

/** The datasource picker every dashboard starts with. */
export function datasourceVariable(): VariableModel {
  return {
    type: 'datasource',
    name: 'datasource',
    label: 'Prometheus',
    query: 'prometheus',
    current: { text: 'Prometheus', value: PROVISIONED_PROMETHEUS_UID },
    hide: VariableHide.dontHide,
    includeAll: false,
    multi: false,
    refresh: VariableRefresh.onDashboardLoad,
    regex: '',
  };
}

/** A multi-value label filter fed by `label_values(...)`; "All" matches everything (`.*`). */
export function labelVariable(name: string, label: string, query: string): VariableModel {
  return {
    type: 'query',
    name,
    label,
    datasource: PROMETHEUS,
    query,
    current: { text: 'All', value: '$__all' },
    hide: VariableHide.dontHide,
    includeAll: true,
    allValue: '.*',
    multi: true,
    refresh: VariableRefresh.onTimeRangeChanged,
    regex: '',
    sort: VariableSort.alphabeticalAsc,
  };
}

/** Lays panels out left to right, `perRow` to a row of height `h`, starting at `y`.
 * Returns the grid positions and the y just below them. */
export function gridRow(y: number, perRow: number, h: number): { at: (i: number) => GridPos; next: number } {
  const w = Math.floor(24 / perRow);
  return { at: (i) => ({ x: i * w, y, w, h }), next: y + h };
}
