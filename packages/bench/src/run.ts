/**
 * Runs every benchmark, each in a process of its own (`node --expose-gc`), prints a summary of
 * the targets, and on full runs writes docs/benchmarks.json, docs/benchmarks.md and the
 * overhead chart docs/benchmarks-overhead.svg.
 *
 *   npm run bench                    full run, writes the docs
 *   npm run bench -- --quick         smaller counts, under a minute; docs untouched
 *   npm run bench -- --quick --write quick run that writes the docs anyway (marked as quick)
 *   npm run bench -- --only overhead,accuracy
 *   npm run bench -- --clock wall    time overhead and hot path by wall clock instead of CPU time
 *   node dist/run.js --render        rewrite benchmarks.md and the chart from benchmarks.json
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '@ragmeter/sdk';
import type { ContenderKey } from './contenders.js';
import { CONTENDER_LABELS } from './contenders.js';
import { REPO_ROOT, formatChecks, formatNs, formatRatio, type BenchResult, type Spread, type Table } from './harness.js';

const BENCHMARKS = ['overhead', 'production', 'scaling', 'hot-path', 'throughput', 'report', 'memory', 'accuracy', 'scrape', 'peers', 'openai', 'anthropic'] as const;

interface Args {
  quick: boolean;
  write: boolean;
  only: readonly string[];
  /** Passed on to every benchmark process. */
  childArgs: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const at = argv.indexOf('--only');
  const only = at >= 0 ? (argv[at + 1] ?? '').split(',').filter(Boolean) : [...BENCHMARKS];
  const unknown = only.filter((id) => !(BENCHMARKS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  const clock = argv.indexOf('--clock');
  const childArgs = [...(argv.includes('--quick') ? ['--quick'] : []), ...(clock >= 0 ? ['--clock', argv[clock + 1] ?? ''] : [])];
  return { quick: argv.includes('--quick'), write: argv.includes('--write'), only, childArgs };
}

/** Runs dist/<id>.js in its own process; its section goes straight to our stdout. */
function runOne(id: string, args: readonly string[]): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    let result: BenchResult | undefined;
    const child = fork(join(__dirname, `${id}.js`), args, { execArgv: ['--expose-gc'], stdio: 'inherit' });
    child.on('message', (message: { result?: BenchResult }) => {
      result = message.result;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`benchmark ${id} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

function machine() {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

// ---- docs --------------------------------------------------------------------------------

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface OverheadRow {
  key: ContenderKey;
  perOpNs: Spread;
}

const BAR_COLOURS: Record<string, string> = { ragmeter: '#1b7f6b', naive: '#8a8f98', 'prom-client': '#d9822b', bare: '#c8ccd2' };
const colourOf = (key: string) =>
  key.startsWith('ragmeter') ? BAR_COLOURS.ragmeter! : key.startsWith('naive') ? BAR_COLOURS.naive! : BAR_COLOURS[key] ?? '#999';

/** A horizontal bar chart of time per operation (median, p25–p75 whisker), sync and async panels. */
export function overheadSvg(data: Record<string, OverheadRow[]>, clock: string, caption: string): string {
  const labelWidth = 300;
  const plotWidth = 380;
  const rowHeight = 20;
  const panels = (['sync', 'async'] as const).filter((m) => data[m] !== undefined);
  const max = Math.max(...panels.flatMap((m) => data[m]!.map((r) => r.perOpNs.p75)));
  const scale = plotWidth / max;
  const parts: string[] = [];
  let y = 28;
  for (const mode of panels) {
    parts.push(`<text x="8" y="${y}" class="h">${mode === 'sync' ? 'Synchronous' : 'Asynchronous'} operation — ${clock === 'wall' ? 'wall-clock' : 'CPU'} time per operation (median, p25–p75)</text>`);
    y += 10;
    for (const row of data[mode]!) {
      const w = Math.max(1, row.perOpNs.median * scale);
      const x = labelWidth;
      parts.push(
        `<text x="${x - 8}" y="${y + 14}" text-anchor="end">${escapeXml(CONTENDER_LABELS[row.key])}</text>`,
        `<rect x="${x}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colourOf(row.key)}"/>`,
        `<line x1="${(x + row.perOpNs.p25 * scale).toFixed(1)}" x2="${(x + row.perOpNs.p75 * scale).toFixed(1)}" y1="${y + rowHeight / 2}" y2="${y + rowHeight / 2}" stroke="#222" stroke-width="1"/>`,
        `<text x="${(x + Math.max(w, row.perOpNs.p75 * scale) + 6).toFixed(1)}" y="${y + 14}">${escapeXml(formatNs(row.perOpNs.median))}</text>`,
      );
      y += rowHeight;
    }
    y += 22;
  }
  parts.push(`<text x="8" y="${y - 6}" class="c">${escapeXml(caption)}</text>`);
  const width = labelWidth + plotWidth + 90;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 4}" viewBox="0 0 ${width} ${y + 4}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<style>text{fill:#222}.h{font-weight:600;font-size:13px}.c{fill:#666;font-size:11px}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function markdownTable(table: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `*${esc(table.title)}*`,
    '',
    `| ${table.columns.map(esc).join(' | ')} |`,
    `|${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function markdown(results: BenchResult[], meta: ReturnType<typeof machine>, versions: Record<string, string>, date: string, quick: boolean): string {
  const overhead = results.find((r) => r.id === 'overhead');
  const headline: string[] = [];
  if (overhead !== undefined) {
    const rows = overhead.data as unknown as Record<string, { key: string; vsNaive: Spread; vsNaiveNoMemory: Spread }[]>;
    for (const mode of ['sync', 'async']) {
      const r = rows[mode]?.find((x) => x.key === 'ragmeter');
      if (r !== undefined) {
        headline.push(
          `- ${mode === 'sync' ? 'Synchronous' : 'Asynchronous'}: \`track()\` with memory tracking costs ` +
            `**${formatRatio(r.vsNaive.median)}** the naive bare-OTel operation and **${formatRatio(r.vsNaiveNoMemory.median)}** ` +
            'the naive operation without memory reads (medians of per-round ratios).',
        );
      }
    }
  }
  const production = results.find((r) => r.id === 'production');
  if (production !== undefined) {
    const rows = production.data as unknown as Record<string, { key: string; vsNaiveNoMemory: Spread }[]>;
    const ratio = (mode: string) => rows[mode]?.find((x) => x.key === 'ragmeter')?.vsNaiveNoMemory.median;
    const [sync, async] = [ratio('sync'), ratio('async')];
    if (sync !== undefined && async !== undefined) {
      headline.push(
        `- Production set-up (OTLP spans and metrics, Prometheus reader, span export paid per operation): \`track()\` with memory ` +
          `tracking costs **${formatRatio(sync)}** (sync) and **${formatRatio(async)}** (async) the naive operation without memory reads on the same pipeline.`,
      );
    }
  }
  const scrape = results.find((r) => r.id === 'scrape');
  const phase = (scrape?.data as { phases?: { series: number; perLineRatio: number; ragmeter: { stallMs: number }; promClient: { stallMs: number } }[] } | undefined)
    ?.phases?.find((p) => p.series === 1000);
  if (phase !== undefined) {
    headline.push(
      `- \`/metrics\` at 1000 series: **${formatRatio(phase.perLineRatio)}** prom-client's time per exposed line; the longest event-loop ` +
        `stall of the serving process during a scrape **${phase.ragmeter.stallMs.toFixed(1)} ms** (prom-client ${phase.promClient.stallMs.toFixed(1)} ms).`,
    );
  }
  const peers = results.find((r) => r.id === 'peers');
  if (peers !== undefined) {
    const rows = peers.data as unknown as Record<string, { key: string; label: string; records: string; ragmeterVs: Spread }[]>;
    for (const peer of rows.sync ?? []) {
      const asyncRow = rows.async?.find((x) => x.key === peer.key);
      if (!['openlit', 'openllmetry', 'langfuse', 'openinference'].includes(peer.key) || asyncRow === undefined) continue;
      headline.push(
        `- Against ${peer.label} (${peer.records.replace(/ \(.*/, '')}): \`track()\` with memory tracking costs ` +
          `**${formatRatio(peer.ragmeterVs.median)}** its time synchronous, **${formatRatio(asyncRow.ragmeterVs.median)}** ` +
          'asynchronous (same process, per-round ratios).',
      );
    }
  }
  const checks = results.flatMap((r) => r.checks);
  return [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (packages/bench); do not edit by hand.' +
      (quick ? ' **This page comes from a `--quick` run (reduced counts): see the notes of each section.**' : ''),
    '',
    '```sh',
    'npm run bench                       # full run (several minutes); writes this page, benchmarks.json and the chart',
    'npm run bench -- --quick            # smaller counts, under a minute; prints only',
    'npm run bench -- --quick --write    # quick run that also writes the docs',
    'npm run bench -- --only overhead    # some benchmarks only (comma-separated ids)',
    'npm run bench -- --clock wall       # overhead and hot path timed by wall clock instead of CPU time',
    'node packages/bench/dist/run.js --render   # rewrite this page and the chart from benchmarks.json',
    '```',
    '',
    '## Method',
    '',
    '- One process per benchmark (`node --expose-gc`), all its cases in that process, warmed up first, then run ' +
      'interleaved round by round (the order rotates each round). The overhead benchmark runs so in 3 fresh ' +
      'processes and pools their rounds: V8\'s inlining and deoptimization decisions differ between processes. ' +
      'The peers benchmark runs each peer in processes of its own beside track() (see its section).',
    '- Reported: the median over rounds with the p25–p75 spread (and min–max where useful). Ratios are computed per ' +
      'round — case A time / case B time in the same round — so machine noise cancels, then summarized the same way.',
    '- Targets are judged from these numbers, never as timed unit tests (the jest smoke test only checks that ' +
      '`--quick` runs and prints every section).',
    '- Profile a benchmark on its own, in one process: `node --expose-gc --cpu-prof packages/bench/dist/overhead.js ' +
      '--quick` (after a build); `hot-path.js` times each OTel and Node call of the hot path alone.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| date | ${date} |`,
    `| CPU | ${meta.cpu}, ${meta.cores} cores |`,
    `| memory | ${meta.memoryGb} GB |`,
    `| OS | ${meta.os} |`,
    `| Node.js | ${meta.node} |`,
    ...Object.entries(versions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, version]) => `| ${name} | ${version} |`),
    '',
    '## Headline',
    '',
    ...headline,
    '',
    '![Overhead per tracked operation](benchmarks-overhead.svg)',
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met === null ? 'not judged (--quick)' : c.met ? 'yes' : '**no**'} |`),
    '',
    ...results.flatMap((r) => [
      `## ${r.title}`,
      '',
      ...r.tables.flatMap((t) => [markdownTable(t), '']),
      ...r.notes.map((n) => `- ${n}`),
      '',
    ]),
  ].join('\n');
}

interface Written {
  generated: string;
  quick: boolean;
  machine: ReturnType<typeof machine>;
  versions: Record<string, string>;
  results: BenchResult[];
}

/**
 * `results` plus, for benchmarks this run left out (`--only`), the results of the last written
 * run, so that rerunning a few benchmarks updates their sections without dropping the others.
 */
function withEarlierResults(results: BenchResult[]): BenchResult[] {
  let earlier: BenchResult[] = [];
  try {
    earlier = (JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'benchmarks.json'), 'utf8')) as Written).results;
  } catch {
    // no earlier run written
  }
  const fresh = new Map(results.map((r) => [r.id, r]));
  const order = BENCHMARKS.filter((id) => fresh.has(id) || earlier.some((r) => r.id === id));
  return order.map((id) => fresh.get(id) ?? earlier.find((r) => r.id === id)!);
}

/** The package versions of the last written run, if any. */
function earlierVersions(): Record<string, string> {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'benchmarks.json'), 'utf8')) as Written).versions;
  } catch {
    return {};
  }
}

/** Writes docs/benchmarks.json, docs/benchmarks.md and the overhead chart. */
function writeDocs(written: Written, json: boolean): string[] {
  const { generated, quick, machine: meta, versions, results } = written;
  const docs = join(REPO_ROOT, 'docs');
  mkdirSync(docs, { recursive: true });
  const files: string[] = [];
  if (json) {
    writeFileSync(join(docs, 'benchmarks.json'), JSON.stringify(written, null, 2) + '\n');
    files.push('docs/benchmarks.json');
  }
  writeFileSync(join(docs, 'benchmarks.md'), markdown(results, meta, versions, generated.slice(0, 10), quick));
  files.push('docs/benchmarks.md');
  const overhead = results.find((r) => r.id === 'overhead');
  if (overhead !== undefined) {
    writeFileSync(
      join(docs, 'benchmarks-overhead.svg'),
      overheadSvg(
        overhead.data as unknown as Record<string, OverheadRow[]>,
        String(overhead.data.clock),
        `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ${generated.slice(0, 10)}${quick ? ' (--quick)' : ''}`,
      ),
    );
    files.push('docs/benchmarks-overhead.svg');
  }
  return files;
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) {
    const written = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'benchmarks.json'), 'utf8')) as Written;
    process.stdout.write(`Wrote ${writeDocs(written, false).join(', ')} from docs/benchmarks.json\n`);
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const id of args.only) {
    try {
      results.push(await runOne(id, args.childArgs));
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  const checks = results.flatMap((r) => r.checks);
  process.stdout.write(
    `\n## Summary${args.quick ? ' (--quick)' : ''}\n\n` +
      `${results.length} benchmark(s) in ${((Date.now() - started) / 1000).toFixed(0)} s` +
      `${failures.length > 0 ? `; FAILED: ${failures.join('; ')}` : ''}\n` +
      (checks.length > 0 ? `Targets:\n${formatChecks(checks)}\n` : ''),
  );

  if ((!args.quick || args.write) && results.length > 0) {
    // A partial run (--only) keeps the versions the earlier sections were measured with.
    const versions: Record<string, string> = args.only.length < BENCHMARKS.length ? earlierVersions() : {};
    for (const r of results) Object.assign(versions, r.versions);
    versions['@ragmeter/sdk'] = VERSION;
    const written = { generated: new Date().toISOString(), quick: args.quick, machine: machine(), versions, results: withEarlierResults(results) };
    process.stdout.write(`Wrote ${writeDocs(written, true).join(', ')}\n`);
  } else if (args.quick) {
    process.stdout.write('Docs not written (--quick); add --write to write them.\n');
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
