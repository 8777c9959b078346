/**
 * The peers benchmark's control process (forked by peers.ts): ragmeter, the bare OTel span and
 * prom-client exactly as in the main group, with no peer package loaded, so that ragmeter's
 * figures with and without the peers in the process can be compared.
 */
import { combine, otelSpanCase, promClientCase, ragmeterCases, registerGlobalProvider, serveGroup } from './peer-cases.js';

serveGroup((user) => {
  const globalProvider = registerGlobalProvider();
  const set = combine(ragmeterCases(user), otelSpanCase(user), promClientCase(user));
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
