import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { PassThrough } from 'node:stream';
import { useMonitors, useWarningSpy } from './helpers/monitors.js';

const newMonitor = useMonitors();
useWarningSpy();

// Only the clock operations are timed with is faked (performance.now): durations are exact and
// nothing sleeps. Timers, Date and the microtask queue stay real.
beforeEach(() => {
  jest.useFakeTimers({
    doNotFake: [
      'Date',
      'hrtime',
      'nextTick',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
});
afterEach(() => jest.useRealTimers());

/** Moves the operations' clock on by `ms`. */
const pass = (ms: number): void => void jest.advanceTimersByTime(ms);

describe('report.breakdown', () => {
  it('gives each child type its share of the parent time, and the rest to self', async () => {
    const monitor = newMonitor();
    // five queries: retrieval r ms, then generation g ms, with s ms of the query's own work
    const queries = [
      { r: 120, g: 700, s: 30 },
      { r: 80, g: 950, s: 20 },
      { r: 200, g: 400, s: 100 },
      { r: 60, g: 1200, s: 40 },
      { r: 140, g: 650, s: 60 },
    ];
    for (const q of queries) {
      const query = monitor.trackOperation('query_processing');
      query.run(() => {
        pass(q.s);
        const retrieval = monitor.trackOperation('document_retrieval');
        pass(q.r);
        retrieval.end();
        const llm = monitor.trackOperation('llm_inference');
        pass(q.g);
        llm.end();
      });
      query.end();
    }
    const report = await monitor.generateReport();
    const sum = (f: (q: (typeof queries)[number]) => number): number => queries.reduce((a, q) => a + f(q), 0);
    const total = sum((q) => q.r + q.g + q.s);
    const b = report.breakdown!.query_processing!;
    expect(Object.keys(b).sort()).toEqual(['document_retrieval', 'llm_inference', 'self']);
    expect(b.document_retrieval!.share).toBeCloseTo(sum((q) => q.r) / total, 6);
    expect(b.llm_inference!.share).toBeCloseTo(sum((q) => q.g) / total, 6);
    expect(b.self!.share).toBeCloseTo(sum((q) => q.s) / total, 6);
    expect(b.document_retrieval!.avg_seconds).toBeCloseTo(sum((q) => q.r) / 1000 / queries.length, 9);
    expect(b.llm_inference!.avg_seconds).toBeCloseTo(sum((q) => q.g) / 1000 / queries.length, 9);
    expect(b.self!.avg_seconds).toBeCloseTo(sum((q) => q.s) / 1000 / queries.length, 9);
    // leaf types have no breakdown of their own
    expect(Object.keys(report.breakdown!)).toEqual(['query_processing']);
  });

  it('counts operations measured elsewhere (recordOperation) inside a running parent', async () => {
    const monitor = newMonitor();
    await monitor.track('query_processing', async () => {
      monitor.recordOperation({ type: 'embedding_generation', durationSeconds: 0.25 });
      await Promise.resolve();
      pass(1000);
    });
    const b = (await monitor.generateReport()).breakdown!.query_processing!;
    expect(b.embedding_generation!.share).toBeCloseTo(0.25, 6);
    expect(b.self!.share).toBeCloseTo(0.75, 6);
  });

  it('the parent is the nearest operation: grandchildren count under their own parent, through foreign spans too', async () => {
    const monitor = newMonitor();
    const foreign = new BasicTracerProvider().getTracer('someone-else');
    const query = monitor.trackOperation('query_processing');
    const retrieval = monitor.trackOperation('document_retrieval', undefined, { parent: query });
    // a span of other code between the retrieval and its embedding
    const http = foreign.startSpan('http.request', undefined, retrieval.context);
    const embedding = monitor.trackOperation('embedding_generation', undefined, { parent: trace.setSpan(retrieval.context!, http) });
    pass(300);
    embedding.end();
    http.end();
    pass(100);
    retrieval.end();
    pass(600);
    query.end();
    const breakdown = (await monitor.generateReport()).breakdown!;
    expect(Object.keys(breakdown).sort()).toEqual(['document_retrieval', 'query_processing']);
    expect(Object.keys(breakdown.query_processing!).sort()).toEqual(['document_retrieval', 'self']);
    expect(breakdown.query_processing!.document_retrieval!.share).toBeCloseTo(0.4, 6);
    expect(breakdown.document_retrieval!.embedding_generation!.share).toBeCloseTo(0.75, 6);
    expect(breakdown.document_retrieval!.self!.avg_seconds).toBeCloseTo(0.1, 9);
  });

  it('works with tracing off', async () => {
    const monitor = newMonitor({ tracing: false });
    monitor.track('query_processing', () => {
      monitor.track('reranking', () => pass(50));
      pass(50);
    });
    const b = (await monitor.generateReport()).breakdown!.query_processing!;
    expect(b.reranking!.share).toBeCloseTo(0.5, 6);
  });

  it('leaves out a child still running when its parent ends (its time is not inside the parent)', async () => {
    const monitor = newMonitor();
    const query = monitor.trackOperation('query_processing');
    const background = monitor.trackOperation('semantic_chunking', undefined, { parent: query });
    const inside = monitor.trackOperation('reranking', undefined, { parent: query });
    pass(200);
    inside.end();
    pass(200);
    query.end();
    pass(500);
    background.end();
    const report = await monitor.generateReport();
    const b = report.breakdown!.query_processing!;
    expect(Object.keys(b).sort()).toEqual(['reranking', 'self']);
    expect(b.reranking!.share).toBeCloseTo(0.5, 6);
    expect(b.self!.share).toBeCloseTo(0.5, 6);
    expect(report.operations.semantic_chunking!.total).toBe(1); // still counted as an operation
  });

  it('concurrent children: each counts in full, so shares add up past 1 and self is 0', async () => {
    const monitor = newMonitor();
    const query = monitor.trackOperation('query_processing');
    const a = monitor.trackOperation('document_retrieval', undefined, { parent: query });
    const b = monitor.trackOperation('document_retrieval', undefined, { parent: query });
    pass(400);
    a.end();
    b.end();
    query.end();
    const parts = (await monitor.generateReport()).breakdown!.query_processing!;
    expect(parts.document_retrieval!.share).toBeCloseTo(2, 6);
    expect(parts.document_retrieval!.avg_seconds).toBeCloseTo(0.8, 9);
    expect(parts.self!.share).toBe(0);
  });

  it('failed children count too; parents without children dilute the shares of their type', async () => {
    const monitor = newMonitor();
    const error = new Error('boom');
    expect(() =>
      monitor.track('query_processing', () => {
        pass(100);
        monitor.track('llm_inference', () => {
          pass(100);
          throw error;
        });
      }),
    ).toThrow(error);
    monitor.track('query_processing', () => pass(200)); // no children
    const parts = (await monitor.generateReport()).breakdown!.query_processing!;
    expect(parts.llm_inference!.share).toBeCloseTo(0.25, 6);
    expect(parts.llm_inference!.avg_seconds).toBeCloseTo(0.05, 9);
    expect(parts.self!.share).toBeCloseTo(0.75, 6);
  });

  it('is in the recent window as well, and clearMetrics() resets it', async () => {
    const monitor = newMonitor();
    monitor.track('query_processing', () => monitor.track('reranking', () => pass(10)));
    const windowed = await monitor.generateReport({ windowSeconds: 60 });
    expect(windowed.breakdown!.query_processing!.reranking!.share).toBeCloseTo(1, 6);
    monitor.clearMetrics();
    const cleared = await monitor.generateReport();
    expect(cleared.breakdown).toBeUndefined();
    expect((await monitor.generateReport({ windowSeconds: 60 })).breakdown).toBeUndefined();
    monitor.track('query_processing', () => {
      pass(30);
      monitor.track('llm_inference', () => pass(10));
    });
    const after = (await monitor.generateReport()).breakdown!.query_processing!;
    expect(Object.keys(after).sort()).toEqual(['llm_inference', 'self']);
    expect(after.llm_inference!.share).toBeCloseTo(0.25, 6);
  });

  it('printReport() shows where the time goes', async () => {
    const monitor = newMonitor();
    monitor.track('query_processing', () => {
      pass(100);
      monitor.track('llm_inference', () => pass(300));
    });
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
    await monitor.printReport(stream);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('where the time goes'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 3]).toBe('query_processing');
    expect(lines[at + 4]).toMatch(/^ {2}llm_inference\s+75\.0%\s+300\.0ms$/);
    expect(lines[at + 5]).toMatch(/^ {2}self\s+25\.0%\s+100\.0ms$/);
  });
});
