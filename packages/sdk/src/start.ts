import { diag, trace } from '@opentelemetry/api';
import { mergeOptions, optionsFromEnv, type EnvOptions } from './config/env.js';
import type { RagMeterOptions } from './config/types.js';
import { RagMeterConfigError, validateOptions } from './config/validate.js';
import { getGlobalMonitor, setGlobalMonitor } from './global.js';
import { PerformanceMonitor } from './monitor.js';

const STARTED = Symbol.for('ragmeter.started-config');
type Started = PerformanceMonitor & { [STARTED]?: string };

/**
 * Registers ragmeter at application start-up and returns the global monitor: the in-memory
 * report, a /metrics + /report + /health server (127.0.0.1:9464 by default), OTLP export when
 * an endpoint is configured, and host metrics. Options come from `options`, then RAGMETER_*
 * and OTEL_* environment variables, then defaults. Invalid options throw a RagMeterConfigError
 * naming the key (and the variable, for the environment's). Idempotent: later calls return
 * the same monitor (and warn if their options differ). Global OTel providers are left alone
 * unless `registerGlobal: true`.
 */
export function startRagMeter(options: RagMeterOptions = {}): PerformanceMonitor {
  validateOptions(options);
  const env = readEnvironment();
  const merged = mergeOptions(env.options, options);
  const fingerprint = fingerprintOf(merged);

  const existing = getGlobalMonitor() as Started | undefined;
  if (existing !== undefined && existing[STARTED] !== undefined) {
    if (existing[STARTED] !== fingerprint) {
      const message = 'ragmeter: startRagMeter() was called again with a different configuration; the first one stays in effect';
      diag.warn(message);
      process.emitWarning(message, { type: 'RagMeterWarning', code: 'RAGMETER_ALREADY_STARTED' });
    }
    return existing;
  }

  const monitor = new PerformanceMonitor(withTurnkeyDefaults(merged)) as Started;
  monitor[STARTED] = fingerprint;
  setGlobalMonitor(monitor);
  monitor.addShutdownHook(() => {
    if (getGlobalMonitor() === monitor) setGlobalMonitor(undefined);
  });
  return monitor;
}

/** The environment's options, validated; an error names the variable a bad value came from. */
function readEnvironment(): EnvOptions {
  const env = optionsFromEnv();
  try {
    validateOptions(env.options);
  } catch (error) {
    if (error instanceof RagMeterConfigError) {
      const variable = env.sources.get(error.key);
      throw new RagMeterConfigError(`${error.message} (from the environment${variable === undefined ? '' : `: ${variable}`})`, error.key);
    }
    throw error;
  }
  return env;
}

/**
 * What startRagMeter() turns on that a bare `new PerformanceMonitor()` does not: the HTTP
 * server and host metrics; when joining an application's SDK, its global tracer provider.
 */
function withTurnkeyDefaults(o: RagMeterOptions): RagMeterOptions {
  const joining = o.meterProvider !== undefined;
  return {
    ...o,
    // Joining, /metrics needs the application's Prometheus reader: without one, serve nothing.
    prometheus: o.prometheus ?? (joining && o.prometheusReader === undefined ? false : {}),
    hostMetrics: o.hostMetrics ?? true,
    tracerProvider: o.tracerProvider ?? (joining ? trace.getTracerProvider() : undefined),
  };
}

function fingerprintOf(options: RagMeterOptions): string {
  return JSON.stringify(options, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype
      ? `[${(value as object).constructor?.name ?? 'object'}]`
      : typeof value === 'function'
        ? '[function]'
        : value,
  );
}
