// One ragmeter instance of the fleet test, in its own process (so a busy test runner never
// delays a scrape): serves /metrics on 127.0.0.1:<port>, prints "ready", runs the workload
// given as JSON when a line arrives on stdin, prints "report <its own report as JSON>" and
// "done", and stays up until killed.
'use strict';
const { PerformanceMonitor } = require('@ragmeter/sdk');

const port = Number(process.argv[2]);
const workload = JSON.parse(process.argv[3]);
const monitor = new PerformanceMonitor({
  serviceName: 'rag-api',
  prometheus: { host: '127.0.0.1', port },
  otlp: false,
  hostMetrics: workload.hostMetrics === true,
  memorySampleIntervalMs: 0,
});
process.emitWarning = () => undefined; // the one drop below warns; not of interest here

async function run() {
  for (const durationSeconds of workload.retrieval) {
    monitor.recordOperation({ type: 'document_retrieval', durationSeconds, memoryDeltaMb: 0.25 });
  }
  workload.llm.forEach((durationSeconds, i) => {
    const success = (i + 1) % workload.failEvery !== 0;
    monitor.recordOperation({
      type: 'llm_inference',
      durationSeconds,
      success,
      ...(success ? {} : { errorType: 'TimeoutError' }),
      inputTokens: workload.tokens.input,
      outputTokens: workload.tokens.output,
      attributes: { 'gen_ai.request.model': workload.models[i % workload.models.length] },
    });
  });
  for (let i = 0; i < workload.streams; i++) {
    await monitor.track('llm_stream', async (op) => {
      await new Promise((r) => setTimeout(r, 2));
      op.markFirstToken();
    });
  }
  monitor.recordOperation({ type: 'embedding_generation', durationSeconds: Number.NaN });
  process.stdout.write(`report ${JSON.stringify(await monitor.generateReport())}\n`);
  process.stdout.write('done\n');
}

process.stdin.setEncoding('utf8').once('data', () => void run());
process.on('SIGTERM', () => void monitor.shutdown().finally(() => process.exit(0)));
process.stdout.write('ready\n');
