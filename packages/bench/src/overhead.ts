/**
 * Overhead per tracked operation, synchronous and asynchronous: ragmeter's track() in four
 * configurations against the naive bare-OTel operation (with and without memory reads),
 * prom-client's histogram timer and the bare function. All cases run in this one process,
 * interleaved round by round; ratios are taken per round.
 */
import { CONTENDER_LABELS, createContenders, type ContenderKey } from './contenders.js';
import {
  formatNs,
  formatRatio,
  formatSpread,
  interleave,
  ratios,
  replicate,
  runBenchmark,
  spread,
  timeAsync,
  timeSync,
  type Check,
  type Clock,
  type Spread,
  type Table,
} from './harness.js';

const RAGMETER_TARGET_VS_NAIVE = 0.25;
const RAGMETER_TARGET_VS_NAIVE_NO_MEMORY = 1.1;

export interface OverheadRow {
  key: ContenderKey;
  label: string;
  /** ns per operation over rounds. */
  perOpNs: Spread;
  vsNaive: Spread;
  vsNaiveNoMemory: Spread;
}

type Mode = 'sync' | 'async';
/** Per mode, per case: time per operation (ns) in each round of one process. */
type Rounds = Record<Mode, Record<string, number[]>>;

async function measure(quick: boolean, clock: Clock): Promise<Rounds> {
  let counter = 0;
  const work = () => ++counter;
  const asyncWork = async () => ++counter;
  const contenders = createContenders(work, asyncWork);
  const options = { rounds: quick ? 7 : 15, targetMs: quick ? 8 : 40, warmupMs: quick ? 100 : 1000 };
  const rounds = { sync: {}, async: {} } as Rounds;
  for (const mode of ['sync', 'async'] as const) {
    const perOp = await interleave(
      contenders.all.map((c) => ({
        name: c.key,
        // The floor case runs millions of calls: long chunks keep its event-loop turns few.
        run: mode === 'sync' ? (n: number) => timeSync(n, c.sync, clock, c.key === 'bare' ? 4096 : 128) : (n: number) => timeAsync(n, c.async, clock),
      })),
      options,
    );
    rounds[mode] = Object.fromEntries(perOp);
  }
  await contenders.shutdown();
  return rounds;
}

runBenchmark('overhead', 'Overhead per tracked operation', async ({ quick, clock }) => {
  const processes = quick ? 1 : 3;
  const replicas = await replicate(processes, () => measure(quick, clock));
  const keys = Object.keys(replicas[0]!.sync) as ContenderKey[];
  /** Rounds of all processes, pooled; ratios taken within each process's rounds first. */
  const pooled = (mode: Mode, key: ContenderKey) => replicas.flatMap((r) => r[mode][key]!);
  const pooledRatio = (mode: Mode, a: ContenderKey, b: ContenderKey) =>
    replicas.flatMap((r) => r[mode][a]!.map((x, i) => x / r[mode][b]![i]!));

  const tables: Table[] = [];
  const checks: Check[] = [];
  const data: Record<string, OverheadRow[]> = {};
  const perProcess: string[] = [];
  for (const mode of ['sync', 'async'] as const) {
    const rows: OverheadRow[] = keys.map((key) => ({
      key,
      label: CONTENDER_LABELS[key],
      perOpNs: spread(pooled(mode, key)),
      vsNaive: spread(pooledRatio(mode, key, 'naive-otel')),
      vsNaiveNoMemory: spread(pooledRatio(mode, key, 'naive-otel-no-memory')),
    }));
    data[mode] = rows;
    const roundCount = rows[0]!.perOpNs.rounds;
    tables.push({
      title:
        `${mode === 'sync' ? 'Synchronous' : 'Asynchronous'} operation, ${clock === 'cpu' ? 'CPU' : 'wall-clock'} time per operation: ` +
        `median (p25–p75) of ${roundCount} rounds${processes > 1 ? ` from ${processes} processes` : ''}; ratios per round`,
      columns: ['case', 'per operation', 'min–max', 'vs naive OTel', 'vs naive OTel, no memory reads'],
      rows: rows.map((r) => [
        r.label,
        formatSpread(r.perOpNs, formatNs),
        `${formatNs(r.perOpNs.min)}–${formatNs(r.perOpNs.max)}`,
        formatSpread(r.vsNaive, formatRatio),
        formatSpread(r.vsNaiveNoMemory, formatRatio),
      ]),
    });
    if (processes > 1) {
      perProcess.push(
        `${mode}: track() (memory on) vs naive without memory reads, median per process: ` +
          replicas.map((r) => formatRatio(ratios(r[mode]['ragmeter']!, r[mode]['naive-otel-no-memory']!).median)).join(', '),
      );
    }
    const ragmeter = rows.find((r) => r.key === 'ragmeter')!;
    checks.push(
      {
        target: `${mode}: track() with memory tracking <= ${RAGMETER_TARGET_VS_NAIVE}x naive bare-OTel operation`,
        measured: formatSpread(ragmeter.vsNaive, formatRatio),
        met: ragmeter.vsNaive.median <= RAGMETER_TARGET_VS_NAIVE,
      },
      {
        target: `${mode}: track() with memory tracking <= ${RAGMETER_TARGET_VS_NAIVE_NO_MEMORY}x naive operation without memory reads`,
        measured: formatSpread(ragmeter.vsNaiveNoMemory, formatRatio),
        met: ragmeter.vsNaiveNoMemory.median <= RAGMETER_TARGET_VS_NAIVE_NO_MEMORY,
      },
    );
  }
  return {
    tables,
    checks,
    notes: [
      clock === 'cpu'
        ? 'Time = process CPU time (user + system, all threads, so GC helper threads count) per operation: robust when ' +
          'other work shares the machine. `--clock wall` times wall-clock instead.'
        : 'Time = wall-clock time per operation (`--clock wall`).',
      'Each operation records duration, tokens and memory delta (ragmeter: op.tokens set in the callback; ' +
        'naive: 3 records with 2 attributes); without memory tracking, duration and tokens only.',
      'Spans go to a BatchSpanProcessor with a no-op exporter; the AsyncLocalStorage context manager is registered ' +
        'globally and shared; each MeterProvider has one reader, except the "track() + Prometheus reader" case, which has the ' +
        'two readers startRagMeter() registers by default: OTel hashes every record\'s attributes once per reader, ' +
        'so each reader adds about 0.5 µs per histogram record (compare it with the first row).',
      ...(processes > 1
        ? [`The benchmark runs in ${processes} fresh processes (cases interleaved inside each); their rounds are pooled, ` +
            'because V8\'s inlining and deoptimization decisions can shift a case for the life of a process.', ...perProcess]
        : []),
      'Synchronous cases run in chunks of 128 operations with an untimed event-loop turn between chunks, so span ' +
        'batches are exported as in a service.',
    ],
    data: { clock, ...data },
  };
});
