import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { HealthThresholds } from './report/health.js';
import type { PercentileReader } from './reader/percentile-reader.js';
import type { TokenCounter } from './probes/tokens.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface PrometheusConfig {
  /** Port of the /metrics, /report and /health server. Default 9464; 0 picks a free port. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
}

export interface OtlpConfig {
  /** Collector base URL, e.g. http://localhost:4318 (HTTP) or http://localhost:4317 (gRPC). */
  endpoint?: string;
  /** Full URL for traces, used as is. Default: `${endpoint}/v1/traces` (HTTP) or `endpoint` (gRPC). */
  tracesEndpoint?: string;
  /** Full URL for metrics, used as is. Default: `${endpoint}/v1/metrics` (HTTP) or `endpoint` (gRPC). */
  metricsEndpoint?: string;
  /** Default http/protobuf. */
  protocol?: OtlpProtocol;
  /** Extra request headers (auth tokens and alike). */
  headers?: Record<string, string>;
  /** Metric export period, ms. Default 15000. */
  intervalMillis?: number;
  /** Per-export timeout, ms. Default 10000. */
  timeoutMillis?: number;
  /** Spans buffered for export; beyond it new spans are dropped. Default 2048. */
  maxQueueSize?: number;
}

/** Options of {@link startRagMeter}. Each has an environment variable too (see README). */
export interface RagMeterConfig {
  serviceName?: string;
  serviceVersion?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES is read as well). */
  resourceAttributes?: Record<string, string>;
  /** The /metrics, /report, /health server; false to run none. Default on, 127.0.0.1:9464. */
  prometheus?: PrometheusConfig | false;
  /** Push traces and metrics over OTLP; false for none. Default: on only when an endpoint is configured. */
  otlp?: OtlpConfig | false;
  /** Process and system CPU/memory metrics. Default true. */
  hostMetrics?: boolean;
  memoryTracking?: boolean;
  tracing?: boolean;
  /** Record prompt/response text on spans. Default false. */
  captureContent?: boolean;
  health?: HealthThresholds;
  windowSeconds?: number;
  /** User attribute keys that become metric labels. Default ['gen_ai.request.model']. */
  metricAttributes?: string[];
  maxAttributeValueLength?: number;
  maxCustomTypes?: number;
  cardinalityLimit?: number;
  tokenCounter?: TokenCounter;
  /** Register ragmeter's providers as the OTel globals (only where none is registered). Default false. */
  registerGlobal?: boolean;
  /** shutdown() on SIGTERM/SIGINT. Default false. */
  handleSignals?: boolean;
  /** OTEL_SDK_DISABLED: no exporters, server, spans or memory probes; the local report still works. */
  disabled?: boolean;
  /** Join an existing OTel SDK: record on its meter provider (needs `percentileReader` registered on it). */
  meterProvider?: MeterProvider;
  /** Join an existing OTel SDK: create spans with its tracer provider. */
  tracerProvider?: TracerProvider;
  /** The PercentileReader registered on `meterProvider`. */
  percentileReader?: PercentileReader;
  /** With `meterProvider`: the exporter created by createPrometheusReader() and registered on it, for /metrics. */
  prometheusReader?: PrometheusExporter;
}

/** A configuration mistake, thrown by startRagMeter() so it is found at start-up. */
export class RagMeterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RagMeterConfigError';
  }
}

type Kind = 'string' | 'boolean' | 'number' | 'object' | 'array' | 'function' | 'instance';

const KEYS: Record<keyof RagMeterConfig, Kind[]> = {
  serviceName: ['string'],
  serviceVersion: ['string'],
  resourceAttributes: ['object'],
  prometheus: ['object', 'boolean'],
  otlp: ['object', 'boolean'],
  hostMetrics: ['boolean'],
  memoryTracking: ['boolean'],
  tracing: ['boolean'],
  captureContent: ['boolean'],
  health: ['object'],
  windowSeconds: ['number'],
  metricAttributes: ['array'],
  maxAttributeValueLength: ['number'],
  maxCustomTypes: ['number'],
  cardinalityLimit: ['number'],
  tokenCounter: ['instance'],
  registerGlobal: ['boolean'],
  handleSignals: ['boolean'],
  disabled: ['boolean'],
  meterProvider: ['instance'],
  tracerProvider: ['instance'],
  percentileReader: ['instance'],
  prometheusReader: ['instance'],
};
const PROMETHEUS_KEYS = ['port', 'host'];
const OTLP_KEYS = ['endpoint', 'tracesEndpoint', 'metricsEndpoint', 'protocol', 'headers', 'intervalMillis', 'timeoutMillis', 'maxQueueSize'];
const HEALTH_KEYS = ['maxRssMb', 'maxErrorRate', 'maxErrorRateByType', 'minOperationsForErrorRate', 'p95ObjectiveSeconds'];
const PROTOCOLS: OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

function kindOf(v: unknown): Kind {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'function') return 'function';
  if (typeof v === 'object' && v !== null) return Object.getPrototypeOf(v) === Object.prototype ? 'object' : 'instance';
  return typeof v as Kind;
}

function fail(key: string, accepted: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : Array.isArray(got) ? 'an array' : typeof got === 'object' && got !== null ? 'an object' : String(got);
  throw new RagMeterConfigError(`ragmeter: invalid config "${key}": expected ${accepted}, got ${shown}`);
}

function checkKeys(where: string, value: Record<string, unknown>, accepted: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!accepted.includes(key)) {
      throw new RagMeterConfigError(
        `ragmeter: unknown config key "${where}${key}"; accepted keys: ${accepted.join(', ')}`,
      );
    }
  }
}

const PORT = 'an integer port from 0 to 65535';

function checkPort(key: string, port: unknown): void {
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    fail(key, PORT, port);
  }
}

function checkPositive(key: string, v: unknown, integer = false): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    fail(key, integer ? 'a positive integer' : 'a positive number', v);
  }
}

function checkUrl(key: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string') fail(key, 'an http:// or https:// URL', v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    fail(key, 'an http:// or https:// URL', v);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(key, 'an http:// or https:// URL', v);
}

function checkStringRecord(key: string, v: unknown): void {
  if (v === undefined) return;
  if (kindOf(v) !== 'object') fail(key, 'an object of string values', v);
  for (const [k, val] of Object.entries(v as object)) {
    if (typeof val !== 'string') fail(`${key}.${k}`, 'a string', val);
  }
}

const HTTP_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HTTP_HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const GRPC_METADATA_KEY = /^[0-9a-z_.-]+$/;
const GRPC_METADATA_VALUE = /^[\x20-\x7e]*$/;

/** Header names and values the transport would reject at every export, caught at start-up. */
function checkHeaders(headers: Record<string, string> | undefined, grpc: boolean): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    const nameOk = grpc ? GRPC_METADATA_KEY.test(name.toLowerCase()) : HTTP_HEADER_NAME.test(name);
    if (!nameOk) fail(`otlp.headers.${name}`, grpc ? 'a gRPC metadata key (letters, digits, "_", ".", "-")' : 'a valid HTTP header name', name);
    if (!(grpc ? GRPC_METADATA_VALUE : HTTP_HEADER_VALUE).test(value)) {
      fail(`otlp.headers.${name}`, 'printable ASCII without line breaks', value);
    }
  }
}

/** Throws a RagMeterConfigError naming the first bad key and what it accepts. */
export function validateConfig(config: unknown): asserts config is RagMeterConfig {
  if (config === undefined) return;
  if (kindOf(config) !== 'object') fail('(config)', 'an object', config);
  const c = config as Record<string, unknown>;
  checkKeys('', c, Object.keys(KEYS));
  for (const [key, kinds] of Object.entries(KEYS)) {
    const v = c[key];
    if (v === undefined) continue;
    if (!kinds.includes(kindOf(v))) {
      if (kinds.includes('instance') && kindOf(v) === 'object') continue; // duck-typed objects
      const accepted = kinds
        .map((k) => ({ instance: 'an object', object: 'an object', array: 'an array of strings', boolean: 'true or false', number: 'a number', string: 'a string', function: 'a function' })[k])
        .join(' or ');
      fail(key, accepted, v);
    }
  }
  if (c.serviceName !== undefined && (c.serviceName as string).trim() === '') fail('serviceName', 'a non-empty string', c.serviceName);
  if (c.prometheus === true) fail('prometheus', 'an object { port, host } or false', true);
  if (kindOf(c.prometheus) === 'object') {
    const p = c.prometheus as Record<string, unknown>;
    checkKeys('prometheus.', p, PROMETHEUS_KEYS);
    checkPort('prometheus.port', p.port);
    if (p.host !== undefined && (typeof p.host !== 'string' || p.host === '')) fail('prometheus.host', 'a host name or IP address', p.host);
  }
  if (c.otlp === true) fail('otlp', 'an object { endpoint, protocol, headers, intervalMillis } or false', true);
  if (kindOf(c.otlp) === 'object') {
    const o = c.otlp as Record<string, unknown>;
    checkKeys('otlp.', o, OTLP_KEYS);
    checkUrl('otlp.endpoint', o.endpoint);
    checkUrl('otlp.tracesEndpoint', o.tracesEndpoint);
    checkUrl('otlp.metricsEndpoint', o.metricsEndpoint);
    if (o.protocol !== undefined && !PROTOCOLS.includes(o.protocol as OtlpProtocol)) {
      fail('otlp.protocol', `one of ${PROTOCOLS.join(', ')}`, o.protocol);
    }
    checkStringRecord('otlp.headers', o.headers);
    checkHeaders(o.headers as Record<string, string> | undefined, o.protocol === 'grpc');
    checkPositive('otlp.intervalMillis', o.intervalMillis, true);
    checkPositive('otlp.timeoutMillis', o.timeoutMillis, true);
    checkPositive('otlp.maxQueueSize', o.maxQueueSize, true);
  }
  checkStringRecord('resourceAttributes', c.resourceAttributes);
  if (c.health !== undefined) {
    const h = c.health as Record<string, unknown>;
    checkKeys('health.', h, HEALTH_KEYS);
    checkPositive('health.maxRssMb', h.maxRssMb);
    if (h.maxErrorRate !== undefined && (typeof h.maxErrorRate !== 'number' || !(h.maxErrorRate >= 0 && h.maxErrorRate <= 1))) {
      fail('health.maxErrorRate', 'a number from 0 to 1', h.maxErrorRate);
    }
    if (h.minOperationsForErrorRate !== undefined && (typeof h.minOperationsForErrorRate !== 'number' || !Number.isInteger(h.minOperationsForErrorRate) || h.minOperationsForErrorRate < 0)) {
      fail('health.minOperationsForErrorRate', 'an integer >= 0', h.minOperationsForErrorRate);
    }
    for (const key of ['maxErrorRateByType', 'p95ObjectiveSeconds']) {
      const rec = h[key];
      if (rec === undefined) continue;
      if (kindOf(rec) !== 'object') fail(`health.${key}`, 'an object of numbers by operation type', rec);
      for (const [type, n] of Object.entries(rec as object)) {
        if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(`health.${key}.${type}`, 'a number >= 0', n);
      }
    }
  }
  checkPositive('windowSeconds', c.windowSeconds);
  checkPositive('maxAttributeValueLength', c.maxAttributeValueLength, true);
  checkPositive('maxCustomTypes', c.maxCustomTypes, true);
  checkPositive('cardinalityLimit', c.cardinalityLimit, true);
  if (Array.isArray(c.metricAttributes) && !c.metricAttributes.every((k) => typeof k === 'string')) {
    fail('metricAttributes', 'an array of strings', c.metricAttributes);
  }
  if (c.meterProvider !== undefined && c.percentileReader === undefined) {
    throw new RagMeterConfigError(
      'ragmeter: invalid config "meterProvider": it needs "percentileReader" too — create a PercentileReader, add it to your SDK\'s metric readers, and pass both',
    );
  }
}

// ---- environment variables --------------------------------------------------------------

export type Env = Record<string, string | undefined>;

function envBool(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new RagMeterConfigError(`ragmeter: invalid environment variable ${name}=${JSON.stringify(env[name])}: expected true or false`);
}

function envNumber(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    throw new RagMeterConfigError(`ragmeter: invalid environment variable ${name}=${JSON.stringify(raw)}: expected a number`);
  }
  return n;
}

function envString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `k1=v1,k2=v2` (W3C baggage-style, as OTEL_EXPORTER_OTLP_HEADERS), values URL-decoded. */
export function parseKeyValueList(raw: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new RagMeterConfigError(`ragmeter: invalid environment variable ${name}: expected key=value pairs separated by commas, got ${JSON.stringify(part.trim())}`);
    }
    out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * The configuration the environment gives. Code wins over the environment, which wins over
 * the defaults (as in the OTel SDKs). OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are
 * applied to the resource, not here.
 */
export function configFromEnv(env: Env = process.env): RagMeterConfig {
  const out: RagMeterConfig = {};
  const disabled = envBool(env, 'OTEL_SDK_DISABLED');
  if (disabled !== undefined) out.disabled = disabled;

  const promOn = envBool(env, 'RAGMETER_PROMETHEUS');
  const port = envNumber(env, 'RAGMETER_PROMETHEUS_PORT');
  const host = envString(env, 'RAGMETER_PROMETHEUS_HOST');
  if (promOn === false) out.prometheus = false;
  else if (port !== undefined || host !== undefined) {
    out.prometheus = {};
    if (port !== undefined) out.prometheus.port = port;
    if (host !== undefined) out.prometheus.host = host;
  }

  const otlpOn = envBool(env, 'RAGMETER_OTLP');
  const endpoint = envString(env, 'RAGMETER_OTLP_ENDPOINT') ?? envString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const protocol = envString(env, 'RAGMETER_OTLP_PROTOCOL') ?? envString(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const headers = envString(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const interval = envNumber(env, 'RAGMETER_OTLP_INTERVAL_MILLIS') ?? envNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL');
  const tracesEndpoint = envString(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const metricsEndpoint = envString(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const timeout = envNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT');
  const queue = envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE');
  if (otlpOn === false) out.otlp = false;
  else if (endpoint !== undefined || tracesEndpoint !== undefined || metricsEndpoint !== undefined || otlpOn === true) {
    const otlp: OtlpConfig = {};
    if (endpoint !== undefined) otlp.endpoint = endpoint;
    if (tracesEndpoint !== undefined) otlp.tracesEndpoint = tracesEndpoint;
    if (metricsEndpoint !== undefined) otlp.metricsEndpoint = metricsEndpoint;
    if (timeout !== undefined) otlp.timeoutMillis = timeout;
    if (queue !== undefined) otlp.maxQueueSize = queue;
    if (protocol !== undefined) otlp.protocol = protocol as OtlpProtocol;
    if (headers !== undefined) otlp.headers = parseKeyValueList(headers, 'OTEL_EXPORTER_OTLP_HEADERS');
    if (interval !== undefined) otlp.intervalMillis = interval;
    out.otlp = otlp;
  }

  const bools: [keyof RagMeterConfig, string][] = [
    ['hostMetrics', 'RAGMETER_HOST_METRICS'],
    ['memoryTracking', 'RAGMETER_MEMORY_TRACKING'],
    ['tracing', 'RAGMETER_TRACING'],
    ['captureContent', 'RAGMETER_CAPTURE_CONTENT'],
    ['registerGlobal', 'RAGMETER_REGISTER_GLOBAL'],
    ['handleSignals', 'RAGMETER_HANDLE_SIGNALS'],
  ];
  for (const [key, name] of bools) {
    const v = envBool(env, name);
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  const windowSeconds = envNumber(env, 'RAGMETER_WINDOW_SECONDS');
  if (windowSeconds !== undefined) out.windowSeconds = windowSeconds;
  const maxRssMb = envNumber(env, 'RAGMETER_HEALTH_MAX_RSS_MB');
  const maxErrorRate = envNumber(env, 'RAGMETER_HEALTH_MAX_ERROR_RATE');
  if (maxRssMb !== undefined || maxErrorRate !== undefined) {
    out.health = {};
    if (maxRssMb !== undefined) out.health.maxRssMb = maxRssMb;
    if (maxErrorRate !== undefined) out.health.maxErrorRate = maxErrorRate;
  }
  const attrs = envString(env, 'RAGMETER_METRIC_ATTRIBUTES');
  if (attrs !== undefined) out.metricAttributes = attrs.split(',').map((s) => s.trim()).filter(Boolean);
  return out;
}

/** Environment under code: code's keys win; nested prometheus/otlp/health objects merge. */
export function mergeConfig(fromEnv: RagMeterConfig, fromCode: RagMeterConfig): RagMeterConfig {
  const merged: RagMeterConfig = { ...fromEnv, ...fromCode };
  for (const key of ['prometheus', 'otlp', 'health'] as const) {
    const e = fromEnv[key];
    const c = fromCode[key];
    if (c === false || e === false || c === undefined || e === undefined) continue;
    (merged as Record<string, unknown>)[key] = { ...e, ...c };
  }
  // An endpoint set in code covers both signals: the environment's per-signal URLs only fill
  // in for signals the code left to the environment.
  if (typeof fromCode.otlp === 'object' && fromCode.otlp.endpoint !== undefined && typeof merged.otlp === 'object') {
    const otlp = { ...merged.otlp };
    if (fromCode.otlp.tracesEndpoint === undefined) delete otlp.tracesEndpoint;
    if (fromCode.otlp.metricsEndpoint === undefined) delete otlp.metricsEndpoint;
    merged.otlp = otlp;
  }
  return merged;
}
