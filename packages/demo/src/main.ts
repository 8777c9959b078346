// Entry point of `npm run demo`: start ragmeter, index the corpus, serve the API, drive the
// workload, show the live table, and print the final report on Ctrl-C, SIGTERM or --duration.
import { performance } from 'node:perf_hooks';
import { startRagMeter } from '@ragmeter/sdk';
import { parseCliOptions, USAGE, UsageError, type CliOptions } from './cli-options.js';
import { buildCorpusIndex } from './corpus-index.js';
import { LiveTable, formatWorkload } from './live-table.js';
import { ExtractiveGenerator, OpenAiGenerator } from './llm.js';
import { RagPipeline } from './query-pipeline.js';
import { close, createApiServer, listen } from './server.js';
import { Workload } from './workload.js';

/** Resolves on the first SIGINT/SIGTERM or when the duration is up; a second signal exits at once. */
function stopRequested(durationSeconds: number | undefined): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (durationSeconds !== undefined) setTimeout(() => resolve(`${durationSeconds}s elapsed`), durationSeconds * 1000);
  });
}

async function run(options: CliOptions): Promise<void> {
  // Only what the command line says goes in code: code wins over RAGMETER_* variables, and the
  // compose stack sets those (host, port, OTLP endpoint). Defaults: 127.0.0.1:9464, no OTLP.
  const monitor = startRagMeter({
    serviceName: 'ragmeter-demo',
    ...(options.metricsPort === undefined ? {} : { prometheus: { port: options.metricsPort } }),
  });
  const metricsUrl = monitor.serverUrl().catch((error: Error) => `not served (${error.message})`);

  const indexStarted = performance.now();
  const index = await buildCorpusIndex(monitor);
  const indexMs = performance.now() - indexStarted;
  const pages = index.documents.reduce((n, d) => n + d.pages.length, 0);
  const corpusKb = index.documents.reduce((n, d) => n + d.sizeBytes, 0) / 1024;

  const generator = OpenAiGenerator.fromEnvironment() ?? new ExtractiveGenerator();
  const pipeline = new RagPipeline(monitor, index, generator);
  const server = createApiServer({
    pipeline,
    faultInjection: options.load, // only the built-in workload injects faults
    health: () => ({ documents: index.documents.length, chunks: index.chunks.length, mode: generator.mode }),
  });
  const port = await listen(server, options.port, options.host);

  console.log(
    `corpus: ${index.documents.length} PDFs (${corpusKb.toFixed(0)} KB), ${pages} pages, ${index.chunks.length} chunks, ` +
      `indexed in ${indexMs.toFixed(0)} ms`,
  );
  console.log(
    generator.mode === 'llm'
      ? `answers: LLM ${generator.model} at ${process.env.OPENAI_BASE_URL}`
      : 'answers: extractive (quoted from the top sources; set OPENAI_BASE_URL to use an LLM)',
  );
  console.log(`API: http://${options.host}:${port}/query   (POST {"question": "..."}; GET /healthz)`);
  const metrics = (await metricsUrl) ?? 'off';
  if (metrics.startsWith('http')) console.log(`live page: ${metrics}/   (open it in a browser: latency, errors and where each query's time goes)`);
  console.log(
    metrics.startsWith('http') ? `metrics: ${metrics}/metrics   report: ${metrics}/report   health: ${metrics}/health` : `metrics: ${metrics}`,
  );
  console.log(`ready in ${performance.now().toFixed(0)} ms after process start`);
  console.log(
    options.load
      ? `workload: ${options.ratePerSecond} queries/s against the API (~3 % injected LLM timeouts, ~3 % off-topic)`
      : 'workload: off (--no-load)',
  );
  console.log('');

  const baseUrl = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  const workload = options.load ? new Workload({ baseUrl, ratePerSecond: options.ratePerSecond }) : undefined;
  workload?.start();
  const live = new LiveTable({ monitor, stream: process.stdout, workload: workload?.stats }).start();
  const startedAt = performance.now();

  const reason = await stopRequested(options.durationSeconds);
  await live.stop();
  await workload?.stop();
  await close(server);

  console.log(`\nstopping (${reason})`);
  if (workload) console.log(formatWorkload(workload.stats, (performance.now() - startedAt) / 1000));
  console.log('');
  await monitor.printReport();
  await monitor.shutdown();
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  await run(options);
  // Signal handlers and keep-alive sockets must not keep the process up after the report.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
