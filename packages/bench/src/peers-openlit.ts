/**
 * The peers benchmark's OpenLIT process (forked by peers.ts): ragmeter, the bare OTel span and
 * OpenLIT's trace(), interleaved. `openlit.init({ tracer })` does not keep the provider it is
 * given, and trace() then takes its tracer from the global provider, which no other case uses here.
 */
import openlit from 'openlit';
import { TYPE } from './contenders.js';
import { combine, otelSpanCase, ragmeterCases, registerGlobalProvider, serveGroup, type CaseSet, type UserWork } from './peer-cases.js';

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

serveGroup((user) => {
  const globalProvider = registerGlobalProvider();
  const set = combine(ragmeterCases(user), otelSpanCase(user), openlitCase(user, globalProvider));
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
