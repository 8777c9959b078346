import { OperationType } from '../src/operation-type.js';
import { Operation } from '../src/operation.js';
import { relativeErrorBound } from '../src/reader/exponential-histogram.js';
import { exactPercentile, relativeError, sortedCopy } from './helpers/nearest-rank.js';
import { tick, useMonitors, useWarningSpy } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();
useWarningSpy();

class RetrievalError extends Error {}

describe('track()', () => {
  it('returns a sync callback result synchronously (not a promise) and counts the operation', async () => {
    const monitor = newMonitor();
    const result = monitor.track(OperationType.SEMANTIC_CHUNKING, (op) => {
      expect(op).toBeInstanceOf(Operation);
      expect(op.type).toBe('semantic_chunking');
      return 'a,b,c'.split(',');
    });
    expect(result).toEqual(['a', 'b', 'c']);
    expect(result).not.toBeInstanceOf(Promise);
    expect(await monitor.getOperationCount(OperationType.SEMANTIC_CHUNKING)).toBe(1);
  });

  it('returns the async result after the awaited work and counts it', async () => {
    const monitor = newMonitor();
    const pending = monitor.track(OperationType.DOCUMENT_RETRIEVAL, { top_k: 5 }, async () => {
      await tick(2);
      return ['doc1', 'doc2'];
    });
    expect(pending).toBeInstanceOf(Promise);
    expect(await monitor.getOperationCount(OperationType.DOCUMENT_RETRIEVAL)).toBe(0); // still running
    expect(await pending).toEqual(['doc1', 'doc2']);
    const stats = await monitor.getOperationStats(OperationType.DOCUMENT_RETRIEVAL);
    expect(stats.totalOperations).toBe(1);
    expect(stats.successfulOperations).toBe(1);
    expect(stats.minDurationSeconds).toBeGreaterThan(0);
  });

  it('rethrows the same error object from a sync callback and counts the operation failed', async () => {
    const monitor = newMonitor();
    const error = new RetrievalError('index offline');
    let caught: unknown;
    try {
      monitor.track(OperationType.DOCUMENT_RETRIEVAL, () => {
        throw error;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    const stats = await monitor.getOperationStats(OperationType.DOCUMENT_RETRIEVAL);
    expect([stats.totalOperations, stats.failedOperations, stats.successfulOperations]).toEqual([1, 1, 0]);
  });

  it('rejects with the same error object from an async callback and counts the operation failed', async () => {
    const monitor = newMonitor();
    const error = new RetrievalError('timeout');
    const pending = monitor.track(OperationType.LLM_INFERENCE, async () => {
      await tick();
      throw error;
    });
    await expect(pending).rejects.toBe(error);
    const stats = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect([stats.totalOperations, stats.failedOperations]).toEqual([1, 1]);
  });

  it('passes non-Error throwables through unchanged', async () => {
    const monitor = newMonitor();
    const thrown = { code: 42 };
    let caught: unknown;
    try {
      monitor.track('custom_step', () => {
        throw thrown;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(thrown);
    await expect(monitor.track('custom_step', () => Promise.reject('plain string'))).rejects.toBe('plain string');
    expect((await monitor.getOperationStats('custom_step')).failedOperations).toBe(2);
  });

  it('counts an operation ended inside the callback only once', async () => {
    const monitor = newMonitor();
    monitor.track(OperationType.RERANKING, (op) => op.fail(new Error('bad scores')));
    const stats = await monitor.getOperationStats(OperationType.RERANKING);
    expect([stats.totalOperations, stats.failedOperations]).toEqual([1, 1]);
  });

  it('needs a callback', () => {
    const monitor = newMonitor();
    expect(() => monitor.track(OperationType.RERANKING, undefined as never)).toThrow(TypeError);
  });
});

describe('trackOperation()', () => {
  it('returns a handle that records on end(), with tokens', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE, { 'gen_ai.request.model': 'qwen' });
    op.tokens = 150;
    expect(op.tokens).toBe(150);
    expect(op.elapsedSeconds).toBeGreaterThanOrEqual(0);
    expect(await monitor.getOperationCount()).toBe(0);
    op.end();
    const stats = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect(stats.totalOperations).toBe(1);
    expect(stats.totalTokens).toBe(150);
    expect(stats.avgTokens).toBe(150);
  });

  it('setTokens() splits input and output', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.setTokens({ input: 120, output: 30 });
    expect(op.tokens).toBe(150);
    op.end();
    const s = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect([s.inputTokens, s.outputTokens, s.totalTokens]).toEqual([120, 30, 150]);
  });

  it('fail(err) records a failure without throwing', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.EMBEDDING_GENERATION);
    expect(() => op.fail(new Error('rate limited'))).not.toThrow();
    const s = await monitor.getOperationStats(OperationType.EMBEDDING_GENERATION);
    expect([s.totalOperations, s.failedOperations]).toEqual([1, 1]);
  });

  it('ends once: end() twice, or fail() after end(), counts one success', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.RERANKING);
    op.end();
    op.end();
    op.fail(new Error('late'));
    const s = await monitor.getOperationStats(OperationType.RERANKING);
    expect([s.totalOperations, s.successfulOperations, s.failedOperations]).toEqual([1, 1, 0]);
  });

  it('ends at scope exit with `using`', async () => {
    const monitor = newMonitor();
    const work = (): number => {
      using op = monitor.trackOperation(OperationType.PDF_LOADING);
      op.tokens = 7;
      return 3;
    };
    expect(work()).toBe(3);
    const s = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect([s.totalOperations, s.failedOperations, s.totalTokens]).toEqual([1, 0, 7]);
  });

  it('[Symbol.dispose]() after fail() keeps the failure', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.PDF_LOADING);
    op.fail(new Error('corrupt pdf'));
    op[Symbol.dispose]();
    const s = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect([s.totalOperations, s.failedOperations]).toEqual([1, 1]);
  });
});

describe('statistics', () => {
  it('gives exact counts, min/max/avg and nearest-rank percentiles within the error bound for known data', async () => {
    const monitor = newMonitor({ tracing: false });
    // 1, 2, ..., 200 ms in a scrambled order
    const durations = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200 + 1) / 1000);
    for (const d of durations) monitor.recordOperation({ type: OperationType.DOCUMENT_RETRIEVAL, durationSeconds: d });
    const s = await monitor.getOperationStats(OperationType.DOCUMENT_RETRIEVAL);
    expect(s.totalOperations).toBe(200);
    expect(s.minDurationSeconds).toBe(0.001);
    expect(s.maxDurationSeconds).toBe(0.2);
    expect(s.avgDurationSeconds).toBeCloseTo(durations.reduce((a, b) => a + b) / 200, 12);
    const sorted = sortedCopy(durations);
    // nearest rank over 1..200 ms: p50 = 100 ms, p95 = 190 ms, p99 = 198 ms
    expect(exactPercentile(sorted, 50)).toBe(0.1);
    expect(exactPercentile(sorted, 95)).toBe(0.19);
    expect(exactPercentile(sorted, 99)).toBe(0.198);
    const bound = relativeErrorBound(6);
    expect(relativeError(s.p50DurationSeconds, 0.1)).toBeLessThanOrEqual(bound);
    expect(relativeError(s.p95DurationSeconds, 0.19)).toBeLessThanOrEqual(bound);
    expect(relativeError(s.p99DurationSeconds, 0.198)).toBeLessThanOrEqual(bound);
  });

  it('keeps operation types apart', async () => {
    const monitor = newMonitor({ tracing: false });
    for (let i = 0; i < 3; i++) monitor.recordOperation({ type: OperationType.EMBEDDING_GENERATION, durationSeconds: 0.05 });
    for (let i = 0; i < 5; i++) monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1.5 });
    monitor.recordOperation({ type: 'graph_expansion', durationSeconds: 0.2, success: false });

    const all = await monitor.getAllStats();
    expect(Object.keys(all).sort()).toEqual(['embedding_generation', 'graph_expansion', 'llm_inference']);
    expect(all.embedding_generation!.totalOperations).toBe(3);
    expect(all.embedding_generation!.maxDurationSeconds).toBe(0.05);
    expect(all.llm_inference!.totalOperations).toBe(5);
    expect(all.llm_inference!.minDurationSeconds).toBe(1.5);
    expect(all.graph_expansion!.failedOperations).toBe(1);
    expect(all.llm_inference!.operationType).toBe('llm_inference');
  });

  it('filters by type: getOperationStats / getOperationCount(type)', async () => {
    const monitor = newMonitor({ tracing: false });
    for (let i = 0; i < 4; i++) monitor.track(OperationType.RERANKING, () => i);
    for (let i = 0; i < 6; i++) monitor.track(OperationType.QUERY_PROCESSING, () => i);
    expect(await monitor.getOperationCount()).toBe(10);
    expect(await monitor.getOperationCount(OperationType.RERANKING)).toBe(4);
    expect(await monitor.getOperationCount(OperationType.QUERY_PROCESSING)).toBe(6);
    expect(await monitor.getOperationCount(OperationType.PDF_LOADING)).toBe(0);
    const none = await monitor.getOperationStats(OperationType.PDF_LOADING);
    expect(none).toMatchObject({ totalOperations: 0, p50DurationSeconds: 0, avgTokens: 0, avgMemoryDeltaMb: 0 });
    expect(Object.keys(await monitor.getAllStats()).sort()).toEqual(['query_processing', 'reranking']);
  });

  it('recordOperation(): duration, tokens, failure and memory delta of an operation measured elsewhere', async () => {
    const monitor = newMonitor();
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 2, inputTokens: 100, outputTokens: 20, memoryDeltaMb: 1.5 });
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 4, tokens: 30, success: false, errorType: 'RateLimit', memoryDeltaMb: -2 });
    const s = await monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect(s).toMatchObject({
      totalOperations: 2,
      successfulOperations: 1,
      failedOperations: 1,
      minDurationSeconds: 2,
      maxDurationSeconds: 4,
      avgDurationSeconds: 3,
      inputTokens: 100,
      outputTokens: 20,
      totalTokens: 150,
      avgTokens: 75,
    });
    expect(s.totalMemoryDeltaMb).toBeCloseTo(-0.5, 9);
    expect(s.avgMemoryDeltaMb).toBeCloseTo(-0.25, 9);
    expectValidReport(await monitor.generateReport());
  });
});
