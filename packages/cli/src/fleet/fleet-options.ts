import { UsageError } from '../errors.js';
import { PrometheusClient } from './prometheus-client.js';
import { prometheusTarget } from './prometheus-target.js';
import { parseSelector, parseWindow, type Scope } from './promql.js';

/** How long one query may take before the report fails. */
export const QUERY_TIMEOUT_MS = 30_000;

/** The options every command shares for reading a fleet from Prometheus (node:util parseArgs). */
export const FLEET_OPTIONS = {
  prometheus: { type: 'string' },
  window: { type: 'string' },
  selector: { type: 'string' },
  header: { type: 'string', multiple: true },
} as const;

export const FLEET_OPTIONS_HELP = `  --prometheus <url>     read the whole fleet from a Prometheus-compatible HTTP API (Prometheus,
                         Mimir, Thanos, Grafana Cloud ...) instead of one report; a path prefix
                         is kept (https://host/prometheus)
  --window <duration>    with --prometheus: figures over the last 30s, 5m, 1h ... (increase());
                         default: since each instance started (the counters' current values)
  --selector <matchers>  with --prometheus: only series matching these labels, e.g.
                         '{service_name="rag-api"}' or 'job="rag-api",env!="dev"'
  --header <'Name: v'>   with --prometheus: an HTTP header on every query, e.g.
                         'Authorization: Bearer <token>'; repeatable. Also from
                         RAGMETER_PROMETHEUS_HEADERS ('Authorization=Bearer%20<token>,X-Scope-OrgID=a')`;

export interface FleetSource {
  client: PrometheusClient;
  scope: Scope;
  /** The window in seconds; null for since start. */
  windowSeconds: number | null;
  /** The selector as given, for headers. */
  selectorText?: string;
}

export interface FleetOptionValues {
  prometheus?: string;
  window?: string;
  selector?: string;
  header?: string[];
}

/** Checks the fleet options (exit 2 on any problem) and makes the client. */
export function fleetSource(values: FleetOptionValues & { prometheus: string }, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): FleetSource {
  const target = prometheusTarget(values.prometheus, values.header ?? [], env);
  const windowSeconds = values.window === undefined ? null : parseWindow(values.window);
  const matchers = values.selector === undefined ? [] : parseSelector(values.selector);
  const scope: Scope = values.window === undefined ? { matchers } : { matchers, window: values.window };
  const client = new PrometheusClient(target, signal === undefined ? { timeoutMs: QUERY_TIMEOUT_MS } : { timeoutMs: QUERY_TIMEOUT_MS, signal });
  const source: FleetSource = { client, scope, windowSeconds };
  if (values.selector !== undefined) source.selectorText = values.selector;
  return source;
}

/** Lines naming where a fleet report comes from, for the table views. */
export function fleetHeader(source: FleetSource, instances: { count: number; list: { job: string; instance: string }[] }, queries: number): string {
  const shown = instances.list.slice(0, 8).map((i) => `${i.job}/${i.instance}`);
  if (instances.count > shown.length) shown.push(`and ${instances.count - shown.length} more`);
  const selector = source.selectorText === undefined ? '' : `  selector ${source.selectorText}`;
  return (
    `fleet: ${instances.count} instance${instances.count === 1 ? '' : 's'} (${shown.join(', ')})\n` +
    `from ${source.client.target.shown}${selector}  (${queries} queries; RSS is per instance: current = the largest)\n`
  );
}

/** --window, --selector and --header mean nothing without --prometheus: say so rather than ignore them. */
export function requireFleetFlagsWithPrometheus(values: FleetOptionValues): void {
  for (const name of ['window', 'selector', 'header'] as const) {
    if (values[name] !== undefined) throw new UsageError(`--${name} needs --prometheus <url>`);
  }
}
