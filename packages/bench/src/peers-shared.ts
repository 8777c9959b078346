/**
 * The peers benchmark's main process group (forked by peers.ts): ragmeter, a bare OTel span,
 * OpenLIT, Langfuse, OpenInference and prom-client, interleaved in one process. Each case has a
 * tracer provider of its own except OpenLIT: `openlit.init({ tracer })` does not keep the
 * provider it is given, and its trace() then takes its tracer from the global provider, which
 * no other case uses here.
 */
import { withSpan } from '@arizeai/openinference-core';
import { setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import openlit from 'openlit';
import { TYPE } from './contenders.js';
import {
  combine,
  otelSpanCase,
  ownTracerProvider,
  promClientCase,
  ragmeterCases,
  registerGlobalProvider,
  serveGroup,
  type CaseSet,
  type UserWork,
} from './peer-cases.js';

/**
 * OpenLIT: init() with the application's tracer provider (the documented way to bring one's
 * own), no metrics and no events (trace() records neither), and the pricing table given inline
 * so that init() fetches nothing.
 */
function openlitCase({ work, asyncWork }: UserWork, globalProvider: ReturnType<typeof registerGlobalProvider>): CaseSet {
  openlit.init({
    applicationName: 'bench',
    environment: 'bench',
    tracer: globalProvider,
    disableMetrics: true,
    disableEvents: true,
    pricingJson: {},
  });
  const syncFn = () => work();
  const asyncFn = () => asyncWork();
  return {
    cases: [{ key: 'openlit', sync: () => openlit.trace(TYPE, syncFn), async: () => openlit.trace(TYPE, asyncFn) as Promise<number> }],
    shutdown: async () => undefined,
  };
}

/**
 * Langfuse (v4+): startActiveObservation() on a tracer provider of its own, registered with
 * setLangfuseTracerProvider() (Langfuse's isolated-provider set-up). Langfuse's own
 * LangfuseSpanProcessor sends to the Langfuse API; a BatchSpanProcessor with the no-op exporter
 * stands in for it.
 */
function langfuseCase({ work, asyncWork }: UserWork): CaseSet {
  const provider = ownTracerProvider();
  setLangfuseTracerProvider(provider);
  const syncFn = () => work();
  const asyncFn = () => asyncWork();
  return {
    cases: [
      { key: 'langfuse', sync: () => startActiveObservation(TYPE, syncFn), async: () => startActiveObservation(TYPE, asyncFn) },
    ],
    shutdown: () => provider.shutdown(),
  };
}

/** OpenInference: withSpan() with a tracer from a provider of its own and default input/output processing. */
function openinferenceCase({ work, asyncWork }: UserWork): CaseSet {
  const provider = ownTracerProvider();
  const tracer = provider.getTracer('bench');
  const tracedSync = withSpan(work, { tracer, name: TYPE });
  const tracedAsync = withSpan(asyncWork, { tracer, name: TYPE });
  return {
    cases: [{ key: 'openinference', sync: () => tracedSync(), async: () => tracedAsync() }],
    shutdown: () => provider.shutdown(),
  };
}

serveGroup((user) => {
  const globalProvider = registerGlobalProvider();
  const set = combine(
    ragmeterCases(user),
    otelSpanCase(user),
    openlitCase(user, globalProvider),
    langfuseCase(user),
    openinferenceCase(user),
    promClientCase(user),
  );
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
