/**
 * generateReport() time against the number of recorded operations (1e3, 1e5, 1e7) and against
 * the number of operation types (7, 50, 200 custom type names). Monitors at every size are
 * filled first and kept alive together, so their reports are timed interleaved round by round.
 * Before each timed report a small trickle of operations touches every series, so each report
 * collects, merges and summarizes fresh data, as it does in a running service.
 */
import { OperationType, PerformanceMonitor, type RecordedOperation } from '@ragmeter/sdk';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  formatCount,
  formatMs,
  formatSpread,
  lognormal,
  now,
  runBenchmark,
  seededRandom,
  spread,
  type Check,
  type Spread,
} from './harness.js';

const TARGET_MS = 5;
const MODELS = [{ 'gen_ai.request.model': 'gpt-4o-mini' }, { 'gen_ai.request.model': 'gpt-4o' }];
const BUILT_IN = Object.values(OperationType);

/** A workload: which operation the i-th one is. */
interface Workload {
  types: readonly string[];
  models: readonly (typeof MODELS)[number][] | undefined;
  /** Every how-many-th operation fails (0: none). */
  failEvery: number;
}

function recorder(workload: Workload, seed: number): (i: number, failed?: boolean) => RecordedOperation {
  const random = seededRandom(seed);
  const medians = workload.types.map((_, k) => 0.005 * 1.5 ** (k % 12));
  const durations = medians.map((m) => lognormal(random, m, 0.8));
  return (i, failed) => {
    const k = i % workload.types.length;
    const models = workload.models;
    const isFailure = failed ?? (workload.failEvery > 0 && i % workload.failEvery === workload.failEvery - 1);
    return {
      type: workload.types[k]!,
      durationSeconds: durations[k]!(),
      success: !isFailure,
      errorType: isFailure ? 'TimeoutError' : undefined,
      inputTokens: 200 + (i % 800),
      outputTokens: 20 + (i % 300),
      memoryDeltaMb: ((i % 17) - 8) / 64,
      attributes: models === undefined ? undefined : models[Math.floor(i / workload.types.length) % models.length],
    };
  };
}

/** Records operations [from, to) of the workload, yielding to the event loop now and then. */
async function fill(monitor: PerformanceMonitor, op: (i: number) => RecordedOperation, from: number, to: number) {
  for (let i = from; i < to; i++) {
    monitor.recordOperation(op(i));
    if (i % 100_000 === 99_999) await nextTurn();
  }
}

/** One success (and one failure, when the workload has failures) of every type × model: touches every series. */
async function trickle(monitor: PerformanceMonitor, op: (i: number, failed?: boolean) => RecordedOperation, workload: Workload) {
  const combos = workload.types.length * (workload.models?.length ?? 1);
  for (let i = 0; i < combos; i++) {
    monitor.recordOperation(op(i, false));
    if (workload.failEvery > 0) monitor.recordOperation(op(i, true));
  }
}

/** Metric series (data points carrying rag.operation.type) one trickle produces: what each report collects. */
async function countSeries(workload: Workload): Promise<number> {
  const monitor = new PerformanceMonitor({ tracing: false, memoryTracking: false, maxCustomTypes: 1000 });
  await trickle(monitor, recorder(workload, 1), workload);
  const { resourceMetrics } = await monitor.percentileReader.collect();
  let n = 0;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) if (point.attributes['rag.operation.type'] !== undefined) n++;
    }
  }
  await monitor.shutdown();
  return n;
}

interface Subject {
  name: string;
  monitor: PerformanceMonitor;
  workload: Workload;
  op: (i: number, failed?: boolean) => RecordedOperation;
  operations: number;
  series: number;
  firstReportMs: number;
  times: number[];
}

async function subject(name: string, workload: Workload, operations: number): Promise<Subject> {
  // Metrics only: the report does not depend on spans, and filling 1e7 operations is faster without.
  const monitor = new PerformanceMonitor({ tracing: false, memoryTracking: false, maxCustomTypes: 1000 });
  const op = recorder(workload, operations);
  const t = now();
  await fill(monitor, op, 0, operations);
  const fillSeconds = (now() - t) / 1e9;
  await trickle(monitor, op, workload);
  const t0 = now();
  await monitor.generateReport();
  const firstReportMs = (now() - t0) / 1e6;
  process.stderr.write(`  report: ${name} filled in ${fillSeconds.toFixed(1)} s\n`);
  return { name, monitor, workload, op, operations, series: await countSeries(workload), firstReportMs, times: [] };
}

async function timeReports(subjects: Subject[], rounds: number, warmup: number): Promise<void> {
  for (let round = -warmup; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(round + warmup + k) % subjects.length]!;
      await trickle(s.monitor, s.op, s.workload);
      const t0 = now();
      const report = await s.monitor.generateReport();
      const ms = (now() - t0) / 1e6;
      if (report.total_operations < s.operations) throw new Error(`${s.name}: report lost operations`);
      if (round >= 0) s.times.push(ms);
    }
  }
}

runBenchmark('report', 'generateReport() time', async ({ quick }) => {
  const counts = quick ? [1e3, 1e4, 1e5] : [1e3, 1e5, 1e7];
  const typeCounts = [7, 50, 200];
  const perTypeOps = quick ? 1e4 : 1e5;
  const rounds = quick ? 5 : 15;

  const builtIn: Workload = { types: BUILT_IN, models: MODELS, failEvery: 100 };
  const byCount: Subject[] = [];
  for (const n of counts) byCount.push(await subject(`${formatCount(n)} operations`, builtIn, n));
  const byTypes: Subject[] = [];
  for (const t of typeCounts) {
    const types = Array.from({ length: t }, (_, k) => `custom_stage_${String(k).padStart(3, '0')}`);
    byTypes.push(await subject(`${t} types`, { types, models: undefined, failEvery: 0 }, perTypeOps));
  }
  await timeReports([...byCount, ...byTypes], rounds, 2);

  const row = (s: Subject, label: string) => {
    const times = spread(s.times);
    return { cells: [label, String(s.series), formatSpread(times, formatMs), `${formatMs(times.min)}–${formatMs(times.max)}`, formatMs(s.firstReportMs)], times };
  };
  const data: Record<string, { operations: number; types: number; series: number; ms: Spread; firstReportMs: number }> = {};
  const countRows = byCount.map((s) => {
    const r = row(s, formatCount(s.operations));
    data[`operations=${s.operations}`] = { operations: s.operations, types: 7, series: s.series, ms: r.times, firstReportMs: s.firstReportMs };
    return r;
  });
  const typeRows = byTypes.map((s, i) => {
    const r = row(s, String(typeCounts[i]));
    data[`types=${typeCounts[i]}`] = { operations: s.operations, types: typeCounts[i]!, series: s.series, ms: r.times, firstReportMs: s.firstReportMs };
    return r;
  });
  const columns = ['series', 'generateReport() median (p25–p75)', 'min–max', 'first report after fill'];
  const largest = countRows[countRows.length - 1]!;
  const checks: Check[] = [
    {
      target: `generateReport() <= ${TARGET_MS} ms at 1e7 operations, 7 types (${byCount[0]!.series} series)`,
      measured: `${formatMs(largest.times.median)} at ${formatCount(counts[counts.length - 1]!)} operations`,
      met: quick ? null : largest.times.median <= TARGET_MS,
    },
  ];
  await Promise.all([...byCount, ...byTypes].map((s) => s.monitor.shutdown()));
  return {
    tables: [
      {
        title: `By recorded operations: 7 built-in types × 2 models, 1 % failures (ms, ${rounds} rounds)`,
        columns: ['operations', ...columns],
        rows: countRows.map((r) => r.cells),
      },
      {
        title: `By operation types: custom type names, ${formatCount(perTypeOps)} operations each (ms, ${rounds} rounds)`,
        columns: ['types', ...columns],
        rows: typeRows.map((r) => r.cells),
      },
    ],
    checks,
    notes: [
      ...(quick ? [`--quick: filled to ${counts.map(formatCount).join(' / ')} operations instead of 1e3 / 1e5 / 1e7, and ${formatCount(perTypeOps)} per type-count case instead of 1e5.`] : []),
      'Operations are recorded with recordOperation() (lognormal durations, input/output tokens, memory delta) on metrics-only monitors.',
      'Series: data points with rag.operation.type collected per report (duration ok/failed, memory ok/failed, tokens input/output, per type and model).',
      'Each timed report follows a trickle that touches every series (2 operations per type × model), so it collects and merges fresh data.',
    ],
    data,
  };
});
