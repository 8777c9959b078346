/**
 * Peers: the cost per operation of the tools a user would pick instead of ragmeter, each
 * wrapping the same user function once, synchronous and asynchronous, against ragmeter's
 * track() measured in the same process. Cases are interleaved round by round in each process
 * and ratios taken per round; on full runs each group runs in 3 fresh processes, pooled.
 *
 * Process groups (see peer-cases.ts): `shared` (ragmeter, bare OTel span, OpenLIT, Langfuse,
 * OpenInference, prom-client), `openllmetry` (ragmeter and OpenLLMetry, whose NodeSDK takes the
 * global OTel set-up) and `control` (ragmeter, bare OTel span and prom-client, no peer loaded).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import {
  formatNs,
  formatRatio,
  formatSpread,
  runBenchmark,
  spread,
  type Clock,
  type Spread,
  type Table,
} from './harness.js';
import { PEER_LABELS, PEER_RECORDS, type Mode, type PeerKey, type Rounds } from './peer-cases.js';

type Group = 'shared' | 'openllmetry' | 'control';

/** Rows of each table, in order, and the process group each is measured in. */
const ROWS: readonly [PeerKey, Group][] = [
  ['ragmeter', 'shared'],
  ['ragmeter-no-memory', 'shared'],
  ['otel-span', 'shared'],
  ['openlit', 'shared'],
  ['openllmetry', 'openllmetry'],
  ['langfuse', 'shared'],
  ['openinference', 'shared'],
  ['prom-client', 'shared'],
];

export interface PeerRow {
  key: PeerKey;
  label: string;
  records: string;
  /** The process group the case was measured in. */
  group: Group;
  /** ns per operation over rounds. */
  perOpNs: Spread;
  /** This case / ragmeter track() (memory on) in the same round. */
  vsRagmeter: Spread;
  /** ragmeter track() (memory on) / this case in the same round. */
  ragmeterVs: Spread;
}

/** Runs dist/peers-<group>.js `count` times, one process after the other, and returns each one's rounds. */
async function runGroup(group: Group, count: number, quick: boolean, clock: Clock): Promise<Rounds[]> {
  const out: Rounds[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await new Promise<Rounds>((resolve, reject) => {
        let rounds: Rounds | undefined;
        const child = fork(join(__dirname, `peers-${group}.js`), [...(quick ? ['--quick'] : []), '--clock', clock], {
          execArgv: process.execArgv,
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        child.on('message', (message: { rounds?: Rounds }) => {
          rounds = message.rounds;
        });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 && rounds !== undefined ? resolve(rounds) : reject(new Error(`peers-${group} process failed (exit code ${code})`)),
        );
      }),
    );
  }
  return out;
}

/** Rounds of all processes of a group, pooled. */
const pooled = (replicas: Rounds[], mode: Mode, key: PeerKey) => replicas.flatMap((r) => r[mode][key]!);
/** a / b per round, within each process, pooled. */
const pooledRatio = (replicas: Rounds[], mode: Mode, a: PeerKey, b: PeerKey) =>
  replicas.flatMap((r) => r[mode][a]!.map((x, i) => x / r[mode][b]![i]!));

runBenchmark('peers', 'Peers: ragmeter against the tools a user would pick instead', async ({ quick, clock }) => {
  const processes = quick ? 1 : 3;
  const groups: Record<Group, Rounds[]> = {
    shared: await runGroup('shared', processes, quick, clock),
    openllmetry: await runGroup('openllmetry', processes, quick, clock),
    control: await runGroup('control', processes, quick, clock),
  };

  const tables: Table[] = [];
  const data: Record<string, unknown> = { clock };
  const ragmeterElsewhere: string[] = [];
  for (const mode of ['sync', 'async'] as const) {
    const rows: PeerRow[] = ROWS.map(([key, group]) => ({
      key,
      label: PEER_LABELS[key],
      records: PEER_RECORDS[key],
      group,
      perOpNs: spread(pooled(groups[group], mode, key)),
      vsRagmeter: spread(pooledRatio(groups[group], mode, key, 'ragmeter')),
      ragmeterVs: spread(pooledRatio(groups[group], mode, 'ragmeter', key)),
    }));
    data[mode] = rows;
    const roundCount = rows[0]!.perOpNs.rounds;
    tables.push({
      title:
        `${mode === 'sync' ? 'Synchronous' : 'Asynchronous'} operation, ${clock === 'cpu' ? 'CPU' : 'wall-clock'} time per operation: ` +
        `median (p25–p75) of ${roundCount} rounds${processes > 1 ? ` from ${processes} processes` : ''}; ratios per round`,
      columns: ['case', 'records per operation', 'per operation', 'vs ragmeter track()'],
      rows: rows.map((r) => [
        r.group === 'shared' ? r.label : `${r.label} (own process)`,
        r.records,
        formatSpread(r.perOpNs, formatNs),
        r.key === 'ragmeter' ? '1x' : formatSpread(r.vsRagmeter, formatRatio),
      ]),
    });

    // ragmeter with and without the peers loaded in its process.
    const control = {
      ragmeter: spread(pooled(groups.control, mode, 'ragmeter')),
      vsSpan: spread(pooledRatio(groups.control, mode, 'ragmeter', 'otel-span')),
    };
    const shared = {
      ragmeter: rows[0]!.perOpNs,
      vsSpan: spread(pooledRatio(groups.shared, mode, 'ragmeter', 'otel-span')),
    };
    const withOpenllmetry = spread(pooled(groups.openllmetry, mode, 'ragmeter'));
    data[`${mode}Control`] = { control, shared, withOpenllmetry };
    ragmeterElsewhere.push(
      `${mode}: track() (memory on) per operation with no peer loaded ${formatSpread(control.ragmeter, formatNs)}, ` +
        `${formatRatio(control.vsSpan.median)} the bare OTel span; with OpenLIT, Langfuse and OpenInference loaded and ` +
        `initialized ${formatSpread(shared.ragmeter, formatNs)}, ${formatRatio(shared.vsSpan.median)} the bare OTel span; ` +
        `beside OpenLLMetry's NodeSDK ${formatSpread(withOpenllmetry, formatNs)}.`,
    );
  }

  return {
    tables,
    checks: [],
    notes: [
      clock === 'cpu'
        ? 'Time = process CPU time (user + system, all threads) per operation. `--clock wall` times wall-clock instead.'
        : 'Time = wall-clock time per operation (`--clock wall`).',
      'Every case wraps the same user function, `() => ++counter` (synchronous) or `async () => ++counter` ' +
        '(asynchronous, awaited), once per operation; "vs ragmeter track()" is the case\'s time divided by track()\'s ' +
        '(memory on) in the same round of the same process (below 1x: cheaper than track()).',
      'Spans go to an exporter that accepts and drops them, behind a BatchSpanProcessor with default settings, so ' +
        'no case exports anything (the machine has no network); each OTel-based case has a tracer provider of its own ' +
        'unless said otherwise, and all share the AsyncLocalStorage context manager registered globally.',
      'ragmeter: `new PerformanceMonitor({ memoryTracking, tracing: true, spanProcessors: [batch] })`, ' +
        '`monitor.track(type, fn)` with the callback setting `op.tokens`: one span, duration and token histograms, and ' +
        'with memory tracking the heap delta (two `process.memoryUsage()` reads and an up-down counter).',
      'Bare OTel span: `tracer.startActiveSpan(name, fn)` and `span.end()` in a `finally`, nothing else.',
      'OpenLIT (`openlit`): `openlit.init({ tracer, disableMetrics: true, disableEvents: true, pricingJson: {} })` ' +
        'with the globally registered tracer provider (OpenLIT does not keep a provider passed so, and `trace()` takes ' +
        'its tracer from the global one, which no other case uses); metrics and events are off because `trace()` records ' +
        'neither, and the inline pricing table keeps init() from fetching one. `openlit.trace(name, fn)` makes one CLIENT ' +
        'span with service-name and environment attributes and status OK; it captures no input or output unless the ' +
        'callback calls `span.setResult()`.',
      'OpenLLMetry (`@traceloop/node-server-sdk`): `traceloop.initialize({ exporter: noop, traceloopSyncEnabled: false, ' +
        'silenceInitializationMessage: true })`, otherwise its defaults: a BatchSpanProcessor (with Traceloop\'s ' +
        'onStart/onEnd hooks) inside an OpenTelemetry NodeSDK that it starts and that registers the global tracer ' +
        'provider, context manager, propagator and its LLM instrumentations; so it runs in a process of its own beside ' +
        'ragmeter (its row\'s ratio is against track() in that process). `withTask({ name }, fn)` serialises the ' +
        'function\'s arguments and result to JSON span attributes by default (`traceContent` is on unless turned off); ' +
        'that default is kept, as users get it. It returns a promise even around a synchronous function (the span ends ' +
        'before it returns), so its synchronous row includes making that promise.',
      'Langfuse (`@langfuse/tracing`): `startActiveObservation(name, fn)` on a tracer provider of its own set with ' +
        '`setLangfuseTracerProvider()`. Langfuse\'s LangfuseSpanProcessor (`@langfuse/otel`) sends spans to the ' +
        'Langfuse API, so a BatchSpanProcessor with the no-op exporter stands in for it. One span with the observation ' +
        'type attribute, the trace id put in baggage; no input or output unless the callback calls `update()`.',
      'OpenInference (`@arizeai/openinference-core`): `withSpan(fn, { tracer, name })` with a tracer of its own ' +
        'provider and the default input/output processing: the arguments (none here) and the result are serialised ' +
        'to `input.value`/`output.value` span attributes, with status OK.',
      'prom-client: one Histogram, `startTimer()` and `end(labels)`: a metric only, no span.',
      `Each process group runs in ${processes > 1 ? `${processes} fresh processes, one after the other, their rounds pooled` : 'one fresh process'}: ` +
        'OpenLIT, Langfuse, OpenInference, ragmeter, the bare span and prom-client in one; OpenLLMetry and ragmeter in ' +
        'another; and a control with ragmeter, the bare span and prom-client and no peer package loaded.',
      ...ragmeterElsewhere,
    ],
    data,
  };
});
