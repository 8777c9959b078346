/**
 * The peers benchmark's Langfuse process (forked by peers.ts): ragmeter, the bare OTel span and
 * Langfuse's startActiveObservation(), interleaved.
 */
import { setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import { TYPE } from './contenders.js';
import {
  combine,
  otelSpanCase,
  ownTracerProvider,
  ragmeterCases,
  registerGlobalProvider,
  serveGroup,
  type CaseSet,
  type UserWork,
} from './peer-cases.js';

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

serveGroup((user) => {
  const globalProvider = registerGlobalProvider();
  const set = combine(ragmeterCases(user), otelSpanCase(user), langfuseCase(user));
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
