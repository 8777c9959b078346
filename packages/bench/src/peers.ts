/**
 * Peers: the cost per operation of the tools a user would pick instead of ragmeter, each
 * wrapping the same user function once, synchronous and asynchronous, against ragmeter's
 * track() measured in the same process. Cases are interleaved round by round in each process
 * and ratios taken per round; on full runs each process group runs 3 times, pooled.
 *
 * Process groups (see peer-cases.ts): one per peer (ragmeter, a bare OTel span and the peer),
 * and `control` (ragmeter, the bare OTel span and prom-client, no peer loaded).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REPO_ROOT,
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

const GROUPS = ['control', 'openlit', 'openllmetry', 'langfuse', 'openinference'] as const;
type Group = (typeof GROUPS)[number];

/** Rows of each table, in order, and the process group each is measured in. */
const ROWS: readonly [PeerKey, Group][] = [
  ['ragmeter', 'control'],
  ['ragmeter-no-memory', 'control'],
  ['otel-span', 'control'],
  ['openlit', 'openlit'],
  ['openllmetry', 'openllmetry'],
  ['langfuse', 'langfuse'],
  ['openinference', 'openinference'],
  ['prom-client', 'control'],
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
  /** This case / the bare OTel span in the same round. */
  vsSpan: Spread;
}

/** ragmeter's track() (memory on) in one process group. */
export interface RagmeterBeside {
  group: Group;
  perOpNs: Spread;
  /** track() / the bare OTel span in the same round. */
  vsSpan: Spread;
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

const PEER_PACKAGES = ['openlit', '@traceloop/node-server-sdk', '@langfuse/tracing', '@arizeai/openinference-core', 'prom-client'];

/** The installed version of each peer package. */
function peerVersions(): string {
  return PEER_PACKAGES.map((name) => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    return `${name} ${manifest.version}`;
  }).join(', ');
}

/** Rounds of all processes of a group, pooled. */
const pooled = (replicas: Rounds[], mode: Mode, key: PeerKey) => replicas.flatMap((r) => r[mode][key]!);
/** a / b per round, within each process, pooled. */
const pooledRatio = (replicas: Rounds[], mode: Mode, a: PeerKey, b: PeerKey) =>
  replicas.flatMap((r) => r[mode][a]!.map((x, i) => x / r[mode][b]![i]!));

runBenchmark('peers', 'Peers: ragmeter against the tools a user would pick instead', async ({ quick, clock }) => {
  const processes = quick ? 1 : 3;
  const groups = {} as Record<Group, Rounds[]>;
  for (const group of GROUPS) groups[group] = await runGroup(group, processes, quick, clock);

  const tables: Table[] = [];
  const data: Record<string, unknown> = { clock };
  const modeTitle = (mode: Mode) => (mode === 'sync' ? 'Synchronous' : 'Asynchronous');
  const timeTitle = `${clock === 'cpu' ? 'CPU' : 'wall-clock'} time per operation`;
  const beside: Record<Mode, RagmeterBeside[]> = { sync: [], async: [] };
  for (const mode of ['sync', 'async'] as const) {
    const rows: PeerRow[] = ROWS.map(([key, group]) => ({
      key,
      label: PEER_LABELS[key],
      records: PEER_RECORDS[key],
      group,
      perOpNs: spread(pooled(groups[group], mode, key)),
      vsRagmeter: spread(pooledRatio(groups[group], mode, key, 'ragmeter')),
      ragmeterVs: spread(pooledRatio(groups[group], mode, 'ragmeter', key)),
      vsSpan: spread(pooledRatio(groups[group], mode, key, 'otel-span')),
    }));
    data[mode] = rows;
    const roundCount = rows[0]!.perOpNs.rounds;
    tables.push({
      title:
        `${modeTitle(mode)} operation, ${timeTitle}: median (p25–p75) of ${roundCount} rounds` +
        `${processes > 1 ? ` from ${processes} processes` : ''}; ratios per round against track() in the same process`,
      columns: ['case', 'records per operation', 'per operation', 'vs ragmeter track()', 'vs bare OTel span'],
      rows: rows.map((r) => [
        r.label,
        r.records,
        formatSpread(r.perOpNs, formatNs),
        r.key === 'ragmeter' ? '1x' : formatSpread(r.vsRagmeter, formatRatio),
        r.key === 'otel-span' ? '1x' : formatSpread(r.vsSpan, formatRatio),
      ]),
    });
    beside[mode] = GROUPS.map((group) => ({
      group,
      perOpNs: spread(pooled(groups[group], mode, 'ragmeter')),
      vsSpan: spread(pooledRatio(groups[group], mode, 'ragmeter', 'otel-span')),
    }));
  }
  data.ragmeterBeside = beside;
  const groupLabel = (group: Group) => (group === 'control' ? 'no peer loaded (control)' : `beside ${PEER_LABELS[group as PeerKey]}`);
  tables.push({
    title:
      `ragmeter track() (memory on) in each process: ${timeTitle}, median (p25–p75), and against the bare OTel span ` +
      'in the same round (a peer\'s global set-up that slowed track() would show here)',
    columns: ['process', 'sync per operation', 'sync vs bare span', 'async per operation', 'async vs bare span'],
    rows: GROUPS.map((group, i) => [
      groupLabel(group),
      formatSpread(beside.sync[i]!.perOpNs, formatNs),
      formatSpread(beside.sync[i]!.vsSpan, formatRatio),
      formatSpread(beside.async[i]!.perOpNs, formatNs),
      formatSpread(beside.async[i]!.vsSpan, formatRatio),
    ]),
  });

  return {
    tables,
    checks: [],
    notes: [
      clock === 'cpu'
        ? 'Time = process CPU time (user + system, all threads) per operation. `--clock wall` times wall-clock instead.'
        : 'Time = wall-clock time per operation (`--clock wall`).',
      'Every case wraps the same user function, `() => ++counter` (synchronous) or `async () => ++counter` ' +
        '(asynchronous, awaited), once per operation; "vs ragmeter track()" is the case\'s time divided by track()\'s ' +
        '(memory on) in the same round of the same process (below 1x: cheaper than track(); above 1x: dearer); "vs bare OTel span" likewise against the bare span in that ' +
        'process.',
      'Spans go to an exporter that accepts and drops them, behind a BatchSpanProcessor with default settings, so ' +
        'no case exports anything (the machine has no network); each OTel-based case has a tracer provider of its own ' +
        'unless said otherwise, and all share the AsyncLocalStorage context manager registered globally (by a ' +
        'NodeTracerProvider, or by OpenLLMetry\'s NodeSDK in its process).',
      'ragmeter: `new PerformanceMonitor({ memoryTracking, tracing: true, spanProcessors: [batch] })`, ' +
        '`monitor.track(type, fn)` with the callback setting `op.tokens`: one span, duration and token histograms, and ' +
        'with memory tracking the heap delta (two V8 heap-statistics reads and an up-down counter).',
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
        'provider, context manager, propagator and its LLM instrumentations (ragmeter keeps its own provider). `withTask({ name }, fn)` serialises the ' +
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
      `Versions: ${peerVersions()}.`,
      'Each peer runs in a process of its own, interleaved with track() and the bare OTel span; the ragmeter, bare-span ' +
        'and prom-client rows come from a control process that loads no peer package. ' +
        (processes > 1 ? `Each group runs in ${processes} fresh processes, one after the other, their rounds pooled.` : 'One process per group (--quick).'),
      'Loading OpenLIT or OpenLLMetry into a process makes every OTel span in it dearer, the bare span as much as ' +
        'track()\'s: in a profile of a bare-span loop, the OTel SDK\'s own span code (SpanImpl, hrTime arithmetic) took ' +
        'about twice as long once `@traceloop/node-server-sdk` (1,400 modules) was required, before any of its code ' +
        'ran per operation, wall-clock time too; in the last table, track() against the bare span drops from about 2.8x ' +
        'to 2.1x beside those two peers because the span got dearer, not track() cheaper. No peer wraps or hooks ' +
        'ragmeter\'s calls (ragmeter keeps its own tracer provider). The added time lands on both sides of a ratio, so ' +
        '"vs ragmeter track()" for those two peers understates their cost; "vs bare OTel span" compares each case ' +
        'with the span in its own process.',
    ],
    data,
  };
});
