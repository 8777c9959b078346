/**
 * The peers benchmark's OpenLLMetry process (forked by peers.ts): ragmeter, the bare OTel span
 * and OpenLLMetry's withTask(), interleaved. Traceloop's initialize() starts an OpenTelemetry
 * NodeSDK that registers the global tracer provider, context manager and propagator, and its
 * LLM instrumentations; ragmeter and the bare span keep tracer providers of their own and use
 * the context manager NodeSDK registered.
 */
import * as traceloop from '@traceloop/node-server-sdk';
import { TYPE, noopExporter } from './contenders.js';
import { combine, otelSpanCase, ragmeterCases, serveGroup, type UserWork } from './peer-cases.js';

serveGroup((user: UserWork) => {
  // The no-op exporter in place of the OTLP one, no prompt-registry sync (it would poll the
  // Traceloop API), the default BatchSpanProcessor and default content tracing.
  traceloop.initialize({
    appName: 'bench',
    exporter: noopExporter(),
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
  });
  const { work, asyncWork } = user;
  const config = { name: TYPE };
  const set = combine(ragmeterCases(user), otelSpanCase(user), {
    cases: [
      {
        key: 'openllmetry',
        // withTask() returns a promise even around a synchronous function (its span ends before).
        sync: () => traceloop.withTask(config, work),
        async: () => traceloop.withTask(config, asyncWork),
      },
    ],
    shutdown: () => traceloop.forceFlush(),
  });
  return set;
});
