// A minimal service: registers ragmeter, tracks a few operations, then waits to be scraped.
// Prints the metrics URL on stdout; exits on SIGTERM (handleSignals flushes first).
import { startRagMeter, OperationType } from '@ragmeter/sdk';

const monitor = startRagMeter({ serviceName: 'scrape-app', prometheus: { port: 0 }, handleSignals: true });
for (let i = 0; i < 20; i++) {
  monitor.track(OperationType.DOCUMENT_RETRIEVAL, () => i * 2);
}
await monitor.track(OperationType.LLM_INFERENCE, async (op) => op.setTokens({ input: 100, output: 25 }));
try {
  monitor.track(OperationType.RERANKING, () => { throw new RangeError('no candidates'); });
} catch { /* counted as a failed reranking */ }
console.log(await monitor.serverUrl());
// Stands in for the service's own work (its HTTP server, say), which keeps the process alive:
// ragmeter's server and timers never do.
setInterval(() => undefined, 60_000);
