/**
 * The benchmark harness: command-line options, interleaved timing rounds, robust statistics
 * (median and spread of rounds, per-round ratios), seeded random data, console tables, and the
 * protocol between a benchmark process and the runner (run.ts).
 *
 * Every benchmark file is a program of its own (`node --expose-gc dist/overhead.js --quick`
 * works); under the runner it also sends its result back over the IPC channel.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import { formatTable } from '@ragmeter/sdk/format';

export type Clock = 'cpu' | 'wall';

export interface BenchOptions {
  /** Smaller counts and fewer rounds: the whole suite in well under a minute. */
  quick: boolean;
  /**
   * How per-operation costs are timed (overhead, hot path): process CPU time (default; robust on
   * a shared machine, and counts GC helper threads) or wall-clock time (`--clock wall`).
   */
  clock: Clock;
}

export function parseOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const at = argv.indexOf('--clock');
  const clock = at >= 0 ? argv[at + 1] : 'cpu';
  if (clock !== 'cpu' && clock !== 'wall') throw new Error(`--clock must be cpu or wall, got ${clock}`);
  return { quick: argv.includes('--quick'), clock };
}

// ---- statistics ----------------------------------------------------------------------------

/** Median and spread of per-round values. */
export interface Spread {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  rounds: number;
}

/** Quantile q of sorted values, linear interpolation between closest ranks. */
function sortedQuantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread() of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sortedQuantile(sorted, 0.5),
    p25: sortedQuantile(sorted, 0.25),
    p75: sortedQuantile(sorted, 0.75),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    rounds: sorted.length,
  };
}

/** Per-round ratios a[i] / b[i]: both were measured in the same round, so machine drift cancels. */
export function ratios(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x / b[i]!));
}

/** Nearest-rank quantile of sorted values (the definition the report uses). */
export function exactQuantile(sorted: ArrayLike<number>, q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length - 1e-9)));
  return sorted[rank - 1]!;
}

// ---- timing --------------------------------------------------------------------------------

/** Wall-clock time, ns. */
export const now = (): number => Number(process.hrtime.bigint());

/** CPU time of the process (user + system, all threads), ns. */
export function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

export const clockOf = (clock: Clock): (() => number) => (clock === 'cpu' ? cpuNow : now);

/** A timed case: runs `n` operations and returns the elapsed time in ns. */
export interface TimedCase {
  name: string;
  run(n: number): Promise<number>;
}

export interface RoundsOptions {
  rounds: number;
  /** Each case's measurement in a round lasts about this long, ms. */
  targetMs: number;
  /** Warm-up per case before the first round (JIT, caches, first series), ms. */
  warmupMs: number;
}

/**
 * Warms every case up, sizes each one's batch to ~targetMs, then runs `rounds` rounds in which
 * every case runs once, in an order rotated each round so none always runs first. Returns the
 * time per operation (ns) of each case in each round.
 */
export async function interleave(cases: readonly TimedCase[], options: RoundsOptions): Promise<Map<string, number[]>> {
  const batch = new Map<string, number>();
  for (const c of cases) {
    let n = 8;
    let elapsed = await c.run(n);
    const deadline = now() + options.warmupMs * 1e6;
    while (elapsed < options.targetMs * 1e6 / 4 && n < 1e9) {
      n *= 2;
      elapsed = await c.run(n);
    }
    while (now() < deadline) elapsed = await c.run(n);
    batch.set(c.name, Math.max(1, Math.round((n * options.targetMs * 1e6) / elapsed)));
  }
  const perOp = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length]!;
      const n = batch.get(c.name)!;
      perOp.get(c.name)!.push((await c.run(n)) / n);
    }
  }
  return perOp;
}

/**
 * Times `n` calls of a synchronous operation in chunks, yielding to the event loop between
 * chunks (untimed) so that batch span processors and timers run as they would in a service.
 */
export async function timeSync(n: number, op: () => unknown, clock: Clock, chunk = 128): Promise<number> {
  const read = clockOf(clock);
  let total = 0;
  for (let done = 0; done < n; done += chunk) {
    const m = Math.min(chunk, n - done);
    const t0 = read();
    for (let i = 0; i < m; i++) op();
    total += read() - t0;
    await nextTurn();
  }
  return total;
}

/** Times `n` sequential awaited calls of an asynchronous operation. */
export async function timeAsync(n: number, op: () => Promise<unknown>, clock: Clock): Promise<number> {
  const read = clockOf(clock);
  const t0 = read();
  for (let i = 0; i < n; i++) await op();
  return read() - t0;
}

const REPLICA_FLAG = '--replica';

/**
 * Runs `measure` in `count` fresh processes, one after the other, and returns what each
 * measured. JIT decisions (what V8 inlines, where it deoptimizes) differ from one process to
 * the next and can shift a case's cost for the whole life of a process, which rounds inside one
 * process cannot reveal; pooling a few processes' rounds shows it in the spread. With count 1,
 * `measure` runs in this process.
 */
export async function replicate<T>(count: number, measure: () => Promise<T>): Promise<T[]> {
  if (process.argv.includes(REPLICA_FLAG)) {
    const value = await measure();
    await new Promise<void>((resolve) => process.send!({ replica: value }, () => resolve()));
    process.exit(0);
  }
  if (count <= 1) return [await measure()];
  const values: T[] = [];
  for (let i = 0; i < count; i++) {
    values.push(
      await new Promise<T>((resolve, reject) => {
        let value: T | undefined;
        const child = fork(process.argv[1]!, [...process.argv.slice(2), REPLICA_FLAG], {
          execArgv: process.execArgv,
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        child.on('message', (message: { replica?: T }) => {
          value = message.replica;
        });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 && value !== undefined ? resolve(value) : reject(new Error(`replica process failed (exit code ${code})`)),
        );
      }),
    );
  }
  return values;
}

/** Full garbage collection (needs `node --expose-gc`); twice, with turns between, to settle. */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await nextTurn();
  }
}

// ---- data ------------------------------------------------------------------------------------

/** Deterministic uniform [0, 1) generator (pure-rand's Mersenne Twister), so runs compare on the same data. */
export function seededRandom(seed: number): () => number {
  const generator = mersenne(seed);
  return () => uniformFloat64(generator);
}

/** Standard normal variates from a uniform generator (Box–Muller). */
export function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Lognormal durations, seconds: median `medianSeconds`, shape sigma. */
export function lognormal(random: () => number, medianSeconds: number, sigma: number): () => number {
  const z = normal(random);
  return () => medianSeconds * Math.exp(sigma * z());
}

// ---- formatting ------------------------------------------------------------------------------

export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function formatRatio(x: number): string {
  return x >= 10 ? `${x.toFixed(1)}x` : `${x.toFixed(2)}x`;
}

/** Operation counts: powers of ten as 1e6, others with thousands separators. */
export function formatCount(n: number): string {
  const exponent = Math.log10(n);
  return n >= 1000 && Number.isInteger(exponent) ? `1e${exponent}` : n.toLocaleString('en-US');
}

export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 ? 3 : 2)} %`;
}

/** "median (p25–p75)" of a spread, each number formatted by `fmt`. */
export function formatSpread(s: Spread, fmt: (x: number) => string): string {
  return `${fmt(s.median)} (${fmt(s.p25)}–${fmt(s.p75)})`;
}

// ---- results ---------------------------------------------------------------------------------

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

/** A target from the issue, judged from the measured numbers (never as a unit test). */
export interface Check {
  target: string;
  measured: string;
  /** null when the run cannot judge it (e.g. counts reduced by --quick). */
  met: boolean | null;
}

export interface BenchResult {
  id: string;
  title: string;
  quick: boolean;
  tables: Table[];
  checks: Check[];
  notes: string[];
  /** Raw numbers for docs/benchmarks.json and the chart. */
  data: Record<string, unknown>;
  /** Versions of the @opentelemetry/* and prom-client packages this process loaded. */
  versions: Record<string, string>;
  seconds: number;
}

export function formatTitledTable(table: Table): string {
  return `${table.title}\n${formatTable(table.columns, table.rows)}`;
}

export function formatChecks(checks: readonly Check[]): string {
  return checks
    .map((c) => `  [${c.met === null ? ' -- ' : c.met ? ' ok ' : 'MISS'}] ${c.target}: ${c.measured}`)
    .join('\n');
}

/** The name and version of every package under node_modules that this process has loaded. */
function loadedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  const marker = `${sep}node_modules${sep}`;
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf(marker);
    if (at < 0) continue;
    const parts = file.slice(at + marker.length).split(sep);
    const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    if (!name.startsWith('@opentelemetry/') && name !== 'prom-client') continue;
    if (out[name] !== undefined) continue;
    const manifest = join(file.slice(0, at + marker.length), name, 'package.json');
    if (existsSync(manifest)) out[name] = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return out;
}

/** Where docs/ is: the repository root, three levels above dist/. */
export const REPO_ROOT = join(dirname(__filename), '..', '..', '..');

type Body = (options: BenchOptions) => Promise<Omit<BenchResult, 'id' | 'title' | 'quick' | 'versions' | 'seconds'>>;

/**
 * Runs a benchmark as this process's main program: prints its section (title, tables,
 * notes, targets) and, under the runner, sends the result to it.
 */
export function runBenchmark(id: string, title: string, body: Body): void {
  const options = parseOptions();
  const started = now();
  if (!process.argv.includes(REPLICA_FLAG)) process.stdout.write(`\n## ${title}${options.quick ? ' (--quick)' : ''}\n\n`);
  body(options)
    .then((partial) => {
      const result: BenchResult = {
        id,
        title,
        quick: options.quick,
        ...partial,
        versions: loadedVersions(),
        seconds: (now() - started) / 1e9,
      };
      const text = [
        ...result.tables.map(formatTitledTable),
        ...(result.notes.length > 0 ? [result.notes.map((n) => `* ${n}`).join('\n')] : []),
        ...(result.checks.length > 0 ? [`Targets:\n${formatChecks(result.checks)}`] : []),
      ];
      process.stdout.write(`${text.join('\n\n')}\n`);
      if (process.send !== undefined) {
        process.send({ result }, () => process.exit(0));
      } else {
        process.exit(0);
      }
    })
    .catch((error: unknown) => {
      process.stderr.write(`${id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
