import { formatDuration, formatUsd } from '@ragmeter/sdk/format';
import { formatFrame } from '../../src/watch/format-frame.js';
import type { Report } from '@ragmeter/sdk';
import { pipelineReport, versionOneReport } from '../report-fixture.js';

function lineStartingWith(text: string, word: string): string[] {
  const line = text.split('\n').find((l) => l.split(/\s+/)[0] === word);
  if (line === undefined) throw new Error(`no line for ${word} in:\n${text}`);
  return line.split(/\s+/);
}

describe('formatFrame', () => {
  const url = 'http://127.0.0.1:9464';
  const nowMs = Date.parse('2026-01-21T12:00:10.000Z');

  it('shows health, issues and one row per operation type', () => {
    const report = pipelineReport({}, ['llm_inference error rate 12.0% > 10%']);
    const text = formatFrame({ url, nowMs, status: { reachable: true, report, health: report.health } });
    expect(text.split('\n')[0]).toBe(`ragmeter watch  ${url}  2026-01-21T12:00:10.000Z`);
    expect(text).toMatch(/^health: warning\s+RSS 80\.5 MB\s+operations 500 \(since start\)$/m);
    expect(text).toContain('\n  - llm_inference error rate 12.0% > 10%\n');
    const llm = report.operations.llm_inference!;
    // operation count ops/s failed err% p50 p95 p99 max tok/op $/op
    expect(lineStartingWith(text, 'llm_inference')).toEqual([
      'llm_inference',
      String(llm.total),
      '-',
      String(llm.failed),
      (llm.error_rate * 100).toFixed(1),
      formatDuration(llm.duration.p50),
      formatDuration(llm.duration.p95),
      formatDuration(llm.duration.p99),
      formatDuration(llm.duration.max),
      String(llm.tokens.avg),
      formatUsd(llm.cost!.avg_usd),
    ]);
    expect(lineStartingWith(text, 'document_retrieval')[5]).toBe(formatDuration(0.012));
    expect(lineStartingWith(text, 'document_retrieval')[10]).toBe('-'); // no model, no cost
    expect(text).not.toContain('Ctrl-C');
  });

  it('turns the count since the previous frame into a rate', () => {
    const before = pipelineReport({ llm_inference: { total: 100 }, document_retrieval: { total: 50 } });
    const after = pipelineReport({ llm_inference: { total: 120 }, document_retrieval: { total: 10 } });
    const text = formatFrame({
      url,
      nowMs,
      previous: { report: before, atMs: nowMs - 4000 },
      status: { reachable: true, report: after, health: after.health },
    });
    expect(lineStartingWith(text, 'llm_inference')[2]).toBe('5.0'); // 20 operations in 4 s
    expect(lineStartingWith(text, 'document_retrieval')[2]).toBe('-'); // count went down: restarted
  });

  it('uses the health answered by /health, and says when it had to fall back', () => {
    const report = pipelineReport();
    const fromHealth = formatFrame({
      url,
      nowMs,
      status: {
        reachable: true,
        report,
        health: { status: 'warning', memory_mb: 1200, total_operations: 500, issues: ['RSS 1200 MB > 1000 MB'] },
      },
    });
    expect(fromHealth).toMatch(/^health: warning\s+RSS 1200\.0 MB/m);
    expect(fromHealth).toContain('  - RSS 1200 MB > 1000 MB\n');

    const fallback = formatFrame({
      url,
      nowMs,
      status: { reachable: true, report, health: report.health, healthProblem: 'http://x/health: timed out' },
    });
    expect(fallback).toMatch(/^health: healthy/m);
    expect(fallback).toContain('(health from the report: http://x/health: timed out)');
  });

  it('explains an unreachable service and, in live mode, that it retries', () => {
    const status = { reachable: false as const, problem: `${url}/report: connect ECONNREFUSED 127.0.0.1:9464` };
    const live = formatFrame({ url, nowMs, status, intervalSeconds: 2 });
    expect(live).toContain(`service unreachable: ${url}/report: connect ECONNREFUSED 127.0.0.1:9464\n`);
    expect(live).toContain('retrying every 2s (Ctrl-C to quit)');
    expect(formatFrame({ url, nowMs, status })).not.toContain('retrying');
  });

  it('says so when no operation has been recorded yet', () => {
    const report = pipelineReport();
    report.operations = {};
    const text = formatFrame({ url, nowMs, status: { reachable: true, report, health: report.health } });
    expect(text).toContain('(no operations recorded yet)');
  });

  it('shows the cost: in total, per operation of each type, and what had no price', () => {
    const report = pipelineReport({ reranking: { total: 40, unpriced: 40 }, llm_inference: { total: 100, costPerOp: 0.0125, unpriced: 20 } });
    const text = formatFrame({ url, nowMs, status: { reachable: true, report, health: report.health } });
    expect(text).toContain(`\ncost: ${formatUsd(report.cost!.total_usd)} (since start), ${report.cost!.unpriced_operations} operations without a price\n`);
    expect(report.cost!.total_usd).toBeCloseTo(0.0125 * 80, 12);
    expect(lineStartingWith(text, 'llm_inference').at(-1)).toBe(formatUsd(0.0125));
    expect(lineStartingWith(text, 'reranking').at(-1)).toBe('unpriced');
  });

  it('a report without cost (schema 1, or no model anywhere) has no cost line or column', () => {
    const report = versionOneReport(pipelineReport()) as Report;
    const text = formatFrame({ url, nowMs, status: { reachable: true, report, health: report.health } });
    expect(text).not.toMatch(/^cost:/m);
    expect(text).not.toContain('$/op');
    expect(lineStartingWith(text, 'llm_inference')).toHaveLength(10);
  });
});
