import type { OtlpProtocol, RagMeterOptions } from './types.js';
import { MAX_TIMER_MS, MAX_WINDOW_SECONDS, RagMeterConfigError, checkKeys, checkPositive, fail, kindOf, KIND_NAMES, type Kind } from './checks.js';

export { RagMeterConfigError };

const KEYS: Record<keyof RagMeterOptions, Kind[]> = {
  serviceName: ['string'],
  serviceVersion: ['string'],
  resourceAttributes: ['object'],
  resource: ['instance'],
  prometheus: ['object', 'boolean'],
  otlp: ['object', 'boolean'],
  hostMetrics: ['boolean'],
  metricReaders: ['array'],
  spanProcessors: ['array'],
  meterProvider: ['instance'],
  tracerProvider: ['instance'],
  percentileReader: ['instance'],
  prometheusReader: ['instance'],
  tracing: ['boolean'],
  memoryTracking: ['boolean'],
  captureContent: ['boolean'],
  tokenCounter: ['instance'],
  metricAttributes: ['array'],
  pricing: ['object'],
  windowSeconds: ['number'],
  health: ['object'],
  memorySampleIntervalMs: ['number'],
  maxAttributeValueLength: ['number'],
  maxAttributesPerOperation: ['number'],
  maxCustomTypes: ['number'],
  cardinalityLimit: ['number'],
  registerGlobal: ['boolean'],
  handleSignals: ['boolean'],
  disabled: ['boolean'],
};
const PROMETHEUS_KEYS = ['port', 'host'];
const OTLP_KEYS = ['endpoint', 'tracesEndpoint', 'metricsEndpoint', 'protocol', 'headers', 'intervalMillis', 'timeoutMillis', 'maxQueueSize'];
const HEALTH_KEYS = ['maxRssMb', 'maxErrorRate', 'maxErrorRateByType', 'minOperationsForErrorRate', 'p95ObjectiveSeconds'];
const PRICE_KEYS = ['inputPerMillionTokens', 'outputPerMillionTokens', 'cachedInputPerMillionTokens', 'cacheWriteInputPerMillionTokens'];
const OPTIONAL_PRICE_KEYS = new Set(['cachedInputPerMillionTokens', 'cacheWriteInputPerMillionTokens']);
const PROTOCOLS: OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

function checkPort(key: string, port: unknown): void {
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    fail(key, 'an integer port from 0 to 65535', port);
  }
}

function checkUrl(key: string, v: unknown): void {
  if (v === undefined) return;
  let url: URL | undefined;
  try {
    url = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(key, 'an http:// or https:// URL', v);
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

function checkOtlp(o: Record<string, unknown>): void {
  checkKeys('otlp.', o, OTLP_KEYS);
  checkUrl('otlp.endpoint', o.endpoint);
  checkUrl('otlp.tracesEndpoint', o.tracesEndpoint);
  checkUrl('otlp.metricsEndpoint', o.metricsEndpoint);
  if (o.protocol !== undefined && !PROTOCOLS.includes(o.protocol as OtlpProtocol)) {
    fail('otlp.protocol', `one of ${PROTOCOLS.join(', ')}`, o.protocol);
  }
  checkStringRecord('otlp.headers', o.headers);
  checkHeaders(o.headers as Record<string, string> | undefined, o.protocol === 'grpc');
  checkPositive('otlp.intervalMillis', o.intervalMillis, { integer: true, max: MAX_TIMER_MS });
  checkPositive('otlp.timeoutMillis', o.timeoutMillis, { integer: true, max: MAX_TIMER_MS });
  checkPositive('otlp.maxQueueSize', o.maxQueueSize, { integer: true });
}

function checkHealth(h: Record<string, unknown>): void {
  checkKeys('health.', h, HEALTH_KEYS);
  checkPositive('health.maxRssMb', h.maxRssMb);
  if (h.maxErrorRate !== undefined && (typeof h.maxErrorRate !== 'number' || !(h.maxErrorRate >= 0 && h.maxErrorRate <= 1))) {
    fail('health.maxErrorRate', 'a number from 0 to 1', h.maxErrorRate);
  }
  checkPositive('health.minOperationsForErrorRate', h.minOperationsForErrorRate, { integer: true, zero: true });
  for (const key of ['maxErrorRateByType', 'p95ObjectiveSeconds']) {
    const rec = h[key];
    if (rec === undefined) continue;
    if (kindOf(rec) !== 'object') fail(`health.${key}`, 'an object of numbers by operation type', rec);
    for (const [type, n] of Object.entries(rec as object)) {
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(`health.${key}.${type}`, 'a number >= 0', n);
    }
  }
}

/**
 * A pricing table (`pricing` option, RAGMETER_PRICING_FILE): each entry an object with input
 * and output prices (cache reads and writes optional), numbers >= 0. An error names the model and field.
 */
export function checkPricing(pricing: unknown, key = 'pricing'): void {
  if (pricing === undefined) return;
  if (kindOf(pricing) !== 'object') fail(key, 'an object of prices by model name', pricing);
  for (const [model, entry] of Object.entries(pricing as object)) {
    const where = `${key}.${model}`;
    if (model.trim() === '') fail(where, 'a non-empty model name', model);
    if (kindOf(entry) !== 'object') fail(where, 'an object { inputPerMillionTokens, outputPerMillionTokens, cachedInputPerMillionTokens?, cacheWriteInputPerMillionTokens? }', entry);
    const e = entry as Record<string, unknown>;
    checkKeys(`${where}.`, e, PRICE_KEYS);
    for (const field of PRICE_KEYS) {
      const v = e[field];
      if (v === undefined && OPTIONAL_PRICE_KEYS.has(field)) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${where}.${field}`, 'a number >= 0 (USD per million tokens)', v);
    }
  }
}

/** Throws a RagMeterConfigError naming the first bad option and what it accepts. */
export function validateOptions(options: unknown): asserts options is RagMeterOptions {
  if (options === undefined) return;
  if (kindOf(options) !== 'object') fail('(options)', 'an object', options);
  const c = options as Record<string, unknown>;
  checkKeys('', c, Object.keys(KEYS));
  for (const [key, kinds] of Object.entries(KEYS)) {
    const v = c[key];
    if (v === undefined) continue;
    const kind = kindOf(v);
    // Instances may be duck-typed plain objects (a provider, a reader, a tokenizer).
    if (!kinds.includes(kind) && !(kinds.includes('instance') && kind === 'object')) {
      fail(key, kinds.map((k) => KIND_NAMES[k]).join(' or '), v);
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
  if (kindOf(c.otlp) === 'object') checkOtlp(c.otlp as Record<string, unknown>);
  checkStringRecord('resourceAttributes', c.resourceAttributes);
  if (c.health !== undefined) checkHealth(c.health as Record<string, unknown>);
  checkPositive('windowSeconds', c.windowSeconds, { max: MAX_WINDOW_SECONDS });
  checkPositive('memorySampleIntervalMs', c.memorySampleIntervalMs, { zero: true, max: MAX_TIMER_MS });
  checkPositive('maxAttributeValueLength', c.maxAttributeValueLength, { integer: true });
  checkPositive('maxAttributesPerOperation', c.maxAttributesPerOperation, { integer: true });
  checkPositive('maxCustomTypes', c.maxCustomTypes, { integer: true, zero: true });
  checkPositive('cardinalityLimit', c.cardinalityLimit, { integer: true });
  if (Array.isArray(c.metricAttributes) && !c.metricAttributes.every((k) => typeof k === 'string')) {
    fail('metricAttributes', 'an array of strings', c.metricAttributes);
  }
  for (const key of ['metricReaders', 'spanProcessors'] as const) {
    const list = c[key];
    if (Array.isArray(list) && !list.every((r) => r !== null && typeof r === 'object')) fail(key, 'an array of objects', list);
  }
  checkPricing(c.pricing);
  checkJoin(c);
  if (c.spanProcessors !== undefined && c.tracerProvider !== undefined) {
    throw new RagMeterConfigError('ragmeter: invalid config "spanProcessors": with "tracerProvider" they belong in your own SDK\'s set-up', 'spanProcessors');
  }
}

/** Joining an application's SDK: what ragmeter cannot do on providers it does not own. */
function checkJoin(c: Record<string, unknown>): void {
  if (c.meterProvider === undefined) return;
  if (c.percentileReader === undefined) {
    throw new RagMeterConfigError(
      'ragmeter: invalid config "meterProvider": it needs "percentileReader" too — create a PercentileReader, add it to your SDK\'s metric readers, and pass both',
      'meterProvider',
    );
  }
  if (c.otlp !== undefined && c.otlp !== false) {
    throw new RagMeterConfigError(
      'ragmeter: invalid config "otlp": with "meterProvider" your own SDK exports; configure OTLP there and leave "otlp" out',
      'otlp',
    );
  }
  if (c.prometheus !== undefined && c.prometheus !== false && c.prometheusReader === undefined) {
    throw new RagMeterConfigError(
      'ragmeter: invalid config "prometheus": with "meterProvider", /metrics needs "prometheusReader" — create it with createPrometheusReader(), add it to your SDK\'s metric readers and pass it',
      'prometheus',
    );
  }
  if (c.metricReaders !== undefined) {
    throw new RagMeterConfigError('ragmeter: invalid config "metricReaders": with "meterProvider" they belong in your own SDK\'s set-up', 'metricReaders');
  }
}

