/**
 * Throughput: tracked asynchronous operations per second from 1, 10 and 100 concurrent tasks.
 * Each operation's body awaits a resolved promise; each task yields to the event loop
 * (setImmediate) between operations, as request handlers do. Cases interleaved round by round;
 * ratios per round.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CONTENDER_LABELS, createContenders, type Contender, type ContenderKey } from './contenders.js';
import {
  formatRatio,
  formatSpread,
  interleave,
  now,
  ratios,
  runBenchmark,
  spread,
  type Spread,
  type Table,
} from './harness.js';

const CONCURRENCY = [1, 10, 100] as const;
const KEYS: ContenderKey[] = ['bare', 'ragmeter', 'ragmeter-metrics-only', 'naive-otel', 'naive-otel-no-memory', 'prom-client'];

/** Runs `n` operations spread over `tasks` concurrent loops; returns elapsed ns. */
async function runTasks(contender: Contender, tasks: number, n: number): Promise<number> {
  const perTask = Math.max(1, Math.round(n / tasks));
  const loop = async () => {
    for (let i = 0; i < perTask; i++) {
      await contender.async();
      await nextTurn();
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: tasks }, loop));
  // Normalise to n operations: perTask * tasks may differ from n by rounding.
  return ((now() - t0) * n) / (perTask * tasks);
}

const formatRate = (opsPerSecond: number) =>
  opsPerSecond >= 1e6 ? `${(opsPerSecond / 1e6).toFixed(2)} M/s` : `${(opsPerSecond / 1e3).toFixed(1)} k/s`;

runBenchmark('throughput', 'Throughput: async operations per second', async ({ quick }) => {
  let counter = 0;
  const work = () => ++counter;
  const asyncWork = async () => {
    await Promise.resolve();
    return ++counter;
  };
  const contenders = createContenders(work, asyncWork);
  const selected = KEYS.map((k) => contenders.get(k));
  const rounds = { rounds: quick ? 5 : 15, targetMs: quick ? 15 : 60, warmupMs: quick ? 60 : 500 };

  const perOp = await interleave(
    CONCURRENCY.flatMap((tasks) =>
      selected.map((c) => ({ name: `${c.key}@${tasks}`, run: (n: number) => runTasks(c, tasks, n) })),
    ),
    rounds,
  );

  const data: Record<string, Record<string, { opsPerSecond: Spread; vsNaive: Spread; vsBare: Spread }>> = {};
  const rows: string[][] = [];
  for (const c of selected) {
    const cells = [CONTENDER_LABELS[c.key]];
    data[c.key] = {};
    for (const tasks of CONCURRENCY) {
      const ns = perOp.get(`${c.key}@${tasks}`)!;
      const opsPerSecond = spread(ns.map((x) => 1e9 / x));
      // ops/s ratio = inverse time ratio
      const vsNaive = ratios(perOp.get(`naive-otel@${tasks}`)!, ns);
      const vsBare = ratios(perOp.get(`bare@${tasks}`)!, ns);
      data[c.key]![String(tasks)] = { opsPerSecond, vsNaive, vsBare };
      cells.push(formatSpread(opsPerSecond, formatRate), formatRatio(vsNaive.median));
    }
    rows.push(cells);
  }
  const tables: Table[] = [
    {
      title: `Operations per second: median (p25–p75) of ${rounds.rounds} rounds; "x naive" = ops/s ratio to naive bare OTel, per round`,
      columns: ['case', ...CONCURRENCY.flatMap((t) => [`${t} task${t > 1 ? 's' : ''}`, 'x naive'])],
      rows,
    },
  ];
  await contenders.shutdown();
  return {
    tables,
    checks: [],
    notes: [
      'Operation body: `await Promise.resolve()`; between operations each task awaits setImmediate. ' +
        '"bare" is that loop with no instrumentation: the ceiling.',
      'Same contenders and fairness rules as the overhead benchmark (one BatchSpanProcessor with a no-op exporter ' +
        'per tracer, one reader per MeterProvider).',
    ],
    data,
  };
});
