import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { readFileSync } from 'node:fs';
import type { PricingTable } from '../pricing/prices.js';
import { RagMeterConfigError, checkPricing } from './validate.js';
import type { OtlpOptions, OtlpProtocol, RagMeterOptions } from './types.js';

/** The options the environment gives, and which variable each came from (by option path). */
export interface EnvOptions {
  options: RagMeterOptions;
  sources: ReadonlyMap<string, string>;
}

// OTEL_* variables are read with @opentelemetry/core's helpers, so they mean here what they
// mean to every OTel SDK (OTEL_SDK_DISABLED is only "true" or not; a value that is not a
// number is warned about through diag and ignored). RAGMETER_* variables are ragmeter's own
// and stricter: a malformed value fails start-up naming the variable, because a monitor
// silently running with another port or window than configured is worse than no start.

function envFail(name: string, raw: string | undefined, expected: string): never {
  throw new RagMeterConfigError(`ragmeter: invalid environment variable ${name}=${JSON.stringify(raw)}: expected ${expected}`, name);
}

function ragmeterBool(name: string): boolean | undefined {
  const raw = getStringFromEnv(name)?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  return envFail(name, raw, 'true or false');
}

function ragmeterNumber(name: string): number | undefined {
  const raw = getStringFromEnv(name)?.trim();
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : envFail(name, raw, 'a number');
}

const str = (name: string): string | undefined => getStringFromEnv(name)?.trim() || undefined;

/**
 * `k1=v1,k2=v2` with URL-encoded values, as OTEL_EXPORTER_OTLP_HEADERS. Stricter than core's
 * parseKeyPairsIntoRecord, which skips a malformed pair silently: a lost auth header would make
 * every export fail later, so a malformed one fails start-up instead.
 */
export function parseHeaderList(raw: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) envFail(name, raw, `key=value pairs separated by commas (got ${JSON.stringify(part.trim())})`);
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      envFail(name, raw, `URL-encoded keys and values (cannot decode ${JSON.stringify(part.trim())})`);
    }
  }
  return out;
}

/**
 * The options RAGMETER_* and OTEL_* variables give. Code wins over the environment, which wins
 * over the defaults (as in the OTel SDKs). OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are
 * applied to the resource by OTel's own detector, not here.
 */
export function optionsFromEnv(): EnvOptions {
  const options: RagMeterOptions = {};
  const sources = new Map<string, string>();
  const set = <K extends keyof RagMeterOptions>(key: K, value: RagMeterOptions[K] | undefined, variable: string): void => {
    if (value === undefined) return;
    options[key] = value;
    sources.set(key, variable);
  };

  if (getStringFromEnv('OTEL_SDK_DISABLED') !== undefined) set('disabled', getBooleanFromEnv('OTEL_SDK_DISABLED'), 'OTEL_SDK_DISABLED');

  const port = ragmeterNumber('RAGMETER_PROMETHEUS_PORT');
  const host = str('RAGMETER_PROMETHEUS_HOST');
  if (ragmeterBool('RAGMETER_PROMETHEUS') === false) {
    set('prometheus', false, 'RAGMETER_PROMETHEUS');
  } else if (port !== undefined || host !== undefined) {
    options.prometheus = {};
    if (port !== undefined) {
      options.prometheus.port = port;
      sources.set('prometheus.port', 'RAGMETER_PROMETHEUS_PORT');
    }
    if (host !== undefined) {
      options.prometheus.host = host;
      sources.set('prometheus.host', 'RAGMETER_PROMETHEUS_HOST');
    }
  }

  const otlpOn = ragmeterBool('RAGMETER_OTLP');
  const otlpVars: [keyof OtlpOptions, string, unknown][] = [
    ['endpoint', str('RAGMETER_OTLP_ENDPOINT') ? 'RAGMETER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', str('RAGMETER_OTLP_ENDPOINT') ?? str('OTEL_EXPORTER_OTLP_ENDPOINT')],
    ['tracesEndpoint', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', str('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')],
    ['metricsEndpoint', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', str('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT')],
    ['protocol', str('RAGMETER_OTLP_PROTOCOL') ? 'RAGMETER_OTLP_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL', (str('RAGMETER_OTLP_PROTOCOL') ?? str('OTEL_EXPORTER_OTLP_PROTOCOL')) as OtlpProtocol | undefined],
    ['timeoutMillis', 'OTEL_EXPORTER_OTLP_TIMEOUT', getNumberFromEnv('OTEL_EXPORTER_OTLP_TIMEOUT')],
    ['maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE', getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE')],
    [
      'intervalMillis',
      ragmeterNumber('RAGMETER_OTLP_INTERVAL_MILLIS') !== undefined ? 'RAGMETER_OTLP_INTERVAL_MILLIS' : 'OTEL_METRIC_EXPORT_INTERVAL',
      ragmeterNumber('RAGMETER_OTLP_INTERVAL_MILLIS') ?? getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL'),
    ],
  ];
  const headers = str('OTEL_EXPORTER_OTLP_HEADERS');
  if (otlpOn === false) {
    set('otlp', false, 'RAGMETER_OTLP');
  } else if (otlpOn === true || otlpVars.slice(0, 3).some(([, , v]) => v !== undefined)) {
    const otlp: Record<string, unknown> = {};
    for (const [key, variable, value] of otlpVars) {
      if (value === undefined) continue;
      otlp[key] = value;
      sources.set(`otlp.${key}`, variable);
    }
    if (headers !== undefined) {
      otlp.headers = parseHeaderList(headers, 'OTEL_EXPORTER_OTLP_HEADERS');
      sources.set('otlp.headers', 'OTEL_EXPORTER_OTLP_HEADERS');
    }
    options.otlp = otlp as OtlpOptions;
  }

  const bools: [keyof RagMeterOptions, string][] = [
    ['hostMetrics', 'RAGMETER_HOST_METRICS'],
    ['memoryTracking', 'RAGMETER_MEMORY_TRACKING'],
    ['tracing', 'RAGMETER_TRACING'],
    ['captureContent', 'RAGMETER_CAPTURE_CONTENT'],
    ['registerGlobal', 'RAGMETER_REGISTER_GLOBAL'],
    ['handleSignals', 'RAGMETER_HANDLE_SIGNALS'],
  ];
  for (const [key, variable] of bools) set(key, ragmeterBool(variable), variable);
  set('windowSeconds', ragmeterNumber('RAGMETER_WINDOW_SECONDS'), 'RAGMETER_WINDOW_SECONDS');
  const maxRssMb = ragmeterNumber('RAGMETER_HEALTH_MAX_RSS_MB');
  const maxErrorRate = ragmeterNumber('RAGMETER_HEALTH_MAX_ERROR_RATE');
  if (maxRssMb !== undefined || maxErrorRate !== undefined) {
    options.health = {};
    if (maxRssMb !== undefined) {
      options.health.maxRssMb = maxRssMb;
      sources.set('health.maxRssMb', 'RAGMETER_HEALTH_MAX_RSS_MB');
    }
    if (maxErrorRate !== undefined) {
      options.health.maxErrorRate = maxErrorRate;
      sources.set('health.maxErrorRate', 'RAGMETER_HEALTH_MAX_ERROR_RATE');
    }
  }
  set('metricAttributes', getStringListFromEnv('RAGMETER_METRIC_ATTRIBUTES'), 'RAGMETER_METRIC_ATTRIBUTES');
  const pricingFile = str('RAGMETER_PRICING_FILE');
  if (pricingFile !== undefined) set('pricing', readPricingFile(pricingFile), 'RAGMETER_PRICING_FILE');
  return { options, sources };
}

/**
 * The prices of RAGMETER_PRICING_FILE: a JSON object of the `pricing` option's shape. A file
 * that cannot be read, is not JSON or has a bad entry fails start-up naming the file (and the
 * model and field), rather than leaving every cost of that model unpriced.
 */
export function readPricingFile(path: string): PricingTable {
  const problem = (detail: string): never => {
    throw new RagMeterConfigError(`ragmeter: invalid environment variable RAGMETER_PRICING_FILE: ${JSON.stringify(path)} ${detail}`, 'RAGMETER_PRICING_FILE');
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let pricing: unknown;
  try {
    pricing = JSON.parse(text);
  } catch (error) {
    problem(`is not valid JSON (${(error as Error).message})`);
  }
  try {
    checkPricing(pricing, '(file)');
  } catch (error) {
    problem(`has a bad price: ${(error as Error).message.replace(/^ragmeter: invalid config /, '')}`);
  }
  return pricing as PricingTable;
}

/** Environment under code: code's keys win; nested prometheus/otlp/health/pricing objects merge (pricing by model). */
export function mergeOptions(fromEnv: RagMeterOptions, fromCode: RagMeterOptions): RagMeterOptions {
  const merged: RagMeterOptions = { ...fromEnv, ...fromCode };
  for (const key of ['prometheus', 'otlp', 'health', 'pricing'] as const) {
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
