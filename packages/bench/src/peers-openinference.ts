/**
 * The peers benchmark's OpenInference process (forked by peers.ts): ragmeter, the bare OTel span
 * and OpenInference's withSpan(), interleaved.
 */
import { withSpan } from '@arizeai/openinference-core';
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
  const set = combine(ragmeterCases(user), otelSpanCase(user), openinferenceCase(user));
  return { cases: set.cases, shutdown: async () => void (await Promise.all([set.shutdown(), globalProvider.shutdown()])) };
});
