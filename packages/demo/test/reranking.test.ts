import { OperationType } from '@ragmeter/sdk';
import type { Chunk } from '../src/chunking';
import { Bm25Reranker, rerank, shortestCoveringWindow } from '../src/reranking';
import { terms } from '../src/terms';
import { createTestMonitor } from './helpers/test-monitor';

const chunk = (id: string, text: string): Chunk => ({ id, document: `${id}.pdf`, title: 'T', section: undefined, page: 1, text });

describe('shortestCoveringWindow', () => {
  it('finds the shortest run holding every wanted term that occurs', () => {
    const seq = ['a', 'x', 'b', 'x', 'x', 'a', 'b', 'c'];
    expect(shortestCoveringWindow(seq, new Set(['a', 'b']))).toEqual({ window: 2, matched: 2 });
    expect(shortestCoveringWindow(seq, new Set(['a', 'c']))).toEqual({ window: 3, matched: 2 });
    expect(shortestCoveringWindow(seq, new Set(['c', 'zzz']))).toEqual({ window: 1, matched: 1 });
    expect(shortestCoveringWindow(seq, new Set(['zzz']))).toEqual({ window: Infinity, matched: 0 });
  });
});

describe('Bm25Reranker', () => {
  const chunks = [
    chunk('rare', 'The warranty lasts three years.'),
    chunk('common1', 'The lamp is bright. The lamp is small.'),
    chunk('common2', 'The lamp charges over USB.'),
    chunk('near', 'Roll back the deploy with one command, then check the dashboards.'),
    chunk('far', 'Roll the dice when bored; later, much later, someone may go back and deploy.'),
  ];
  const reranker = new Bm25Reranker(chunks);

  it('scores zero without a shared term and prefers the rarer term', () => {
    expect(reranker.score(terms('sourdough'), chunks[0]!)).toBe(0);
    const q = terms('lamp warranty');
    expect(reranker.score(q, chunks[0]!)).toBeGreaterThan(reranker.score(q, chunks[2]!));
  });

  it('rewards query terms that appear close together', () => {
    const q = terms('roll back deploy');
    expect(reranker.score(q, chunks[3]!)).toBeGreaterThan(reranker.score(q, chunks[4]!));
  });

  it('reranks as one tracked operation, best first, dropping candidates without a shared term', async () => {
    const { monitor, spans } = createTestMonitor();
    const hits = chunks.map((c, i) => ({ chunk: c, score: 1 - i / 10 }));
    const ranked = await rerank(monitor, reranker, 'How do I roll back a deploy?', hits, 3);
    expect(ranked.map((h) => h.chunk.id)).toEqual(['near', 'far']);
    expect(ranked[0]!.retrievalScore).toBe(hits[3]!.score);
    const [span] = spans();
    expect(span!.name).toBe(OperationType.RERANKING);
    expect(span!.attributes).toMatchObject({ 'rag.rerank.candidates': 5, 'rag.rerank.kept': 2 });
    await monitor.shutdown();
  });
});
