/**
 * Retained heap: V8 heap used after full garbage collection, at checkpoints while one monitor
 * (memory tracking and tracing on, spans to a BatchSpanProcessor with a no-op exporter) tracks
 * 1e6 and then 1e7 operations. Bounded state means the numbers stay flat.
 */
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OperationType, PerformanceMonitor, type Operation } from '@ragmeter/sdk';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { collectGarbage, formatCount, now, runBenchmark, type Check } from './harness.js';

const FLAT_LIMIT_MB = 1;
const MB = 1024 * 1024;
const TYPES = Object.values(OperationType);
const MODELS = [{ 'gen_ai.request.model': 'gpt-4o-mini' }, { 'gen_ai.request.model': 'gpt-4o' }];

interface Checkpoint {
  operations: number;
  heapUsedMb: number;
  rssMb: number;
  seconds: number;
}

runBenchmark('memory', 'Memory: retained heap after N operations', async ({ quick }) => {
  const checkpoints = quick ? [1e4, 1e5, 3e5] : [1e4, 1e6, 1e7];
  const processor = new BatchSpanProcessor({
    export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => undefined,
  });
  const monitor = new PerformanceMonitor({ spanProcessors: [processor] });
  // Operations with tokens, a model attribute and 1 % failures.
  let i = 0;
  const body = (op: Operation) => {
    op.setTokens({ input: 100 + (i % 500), output: 10 + (i % 200) });
    if (i % 100 === 99) op.fail(new Error('timeout'));
    return i;
  };

  const results: Checkpoint[] = [];
  const started = now();
  for (const target of checkpoints) {
    for (; i < target; i++) {
      monitor.track(TYPES[i % TYPES.length]!, MODELS[(i >> 3) & 1], body);
      if ((i & 1023) === 1023) await nextTurn();
    }
    await monitor.generateReport(); // the reader has ingested everything so far
    await processor.forceFlush();
    await collectGarbage();
    const usage = process.memoryUsage();
    results.push({ operations: target, heapUsedMb: usage.heapUsed / MB, rssMb: usage.rss / MB, seconds: (now() - started) / 1e9 });
    process.stderr.write(`  memory: ${formatCount(target)} operations\n`);
  }
  const report = await monitor.generateReport();
  await monitor.shutdown();

  const first = results[1]!;
  const last = results[results.length - 1]!;
  const growth = last.heapUsedMb - first.heapUsedMb;
  const checks: Check[] = [
    {
      target: `retained heap flat (within ${FLAT_LIMIT_MB} MB) from 1e6 to 1e7 operations`,
      measured: `${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MB from ${formatCount(first.operations)} to ${formatCount(last.operations)}`,
      met: quick ? null : Math.abs(growth) <= FLAT_LIMIT_MB,
    },
  ];
  return {
    tables: [
      {
        title: 'Heap used after global.gc() (MB)',
        columns: ['operations', 'heap used', 'change vs previous', 'RSS', 'elapsed'],
        rows: results.map((r, k) => [
          formatCount(r.operations),
          r.heapUsedMb.toFixed(2),
          k === 0 ? '' : `${r.heapUsedMb - results[k - 1]!.heapUsedMb >= 0 ? '+' : ''}${(r.heapUsedMb - results[k - 1]!.heapUsedMb).toFixed(2)}`,
          r.rssMb.toFixed(1),
          `${r.seconds.toFixed(1)} s`,
        ]),
      },
    ],
    checks,
    notes: [
      ...(quick ? [`--quick: checkpoints at ${checkpoints.map(formatCount).join(' / ')} operations instead of 1e4 / 1e6 / 1e7.`] : []),
      `track() of 7 types × 2 models, input/output tokens, 1 % failures (report total: ${formatCount(report.total_operations)} operations).`,
      'Measured after generateReport() (everything ingested), a span flush and three global.gc() calls.',
    ],
    data: { checkpoints: results, growthMb: growth },
  };
});
