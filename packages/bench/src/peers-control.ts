/**
 * The peers benchmark's control process (forked by peers.ts): ragmeter and the bare OTel span
 * exactly as in each peer's process, and prom-client, with no peer package loaded, so that
 * ragmeter's figures with and without a peer in the process can be compared.
 */
import { combine, otelSpanCase, promClientCase, ragmeterCases, registerGlobalProvider, serveGroup } from './peer-cases.js';

serveGroup((user) => {
  const globalProvider = registerGlobalProvider();
  const set = combine(ragmeterCases(user), otelSpanCase(user), promClientCase(user));
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
