// RERANKING: the second stage. Re-scores the first stage's candidates with BM25 over exact
// word terms (corpus-wide IDF, length normalisation) times a proximity bonus for chunks in
// which the question's terms appear close together. Unlike the cosine first stage it ignores
// word fragments and rewards rare, exact matches and phrases.
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { searchableText, type Chunk } from './chunking.js';
import type { Hit } from './retrieval.js';
import { terms } from './terms.js';

export interface RankedHit extends Hit {
  /** The first stage's cosine similarity, kept for the record. */
  retrievalScore: number;
}

const K1 = 1.2;
const B = 0.75;
/** A chunk holding all query terms side by side scores up to (1 + this) times its BM25. */
const PROXIMITY_WEIGHT = 0.5;

/**
 * The length (in terms) of the shortest run of `sequence` that contains every term of
 * `wanted` occurring in it, and how many distinct wanted terms occur; Infinity/0 when none does.
 */
export function shortestCoveringWindow(sequence: readonly string[], wanted: ReadonlySet<string>): { window: number; matched: number } {
  const present = new Set(sequence.filter((t) => wanted.has(t)));
  if (present.size === 0) return { window: Infinity, matched: 0 };
  const counts = new Map<string, number>();
  let covered = 0;
  let best = Infinity;
  let left = 0;
  for (let right = 0; right < sequence.length; right++) {
    const term = sequence[right]!;
    if (!present.has(term)) continue;
    counts.set(term, (counts.get(term) ?? 0) + 1);
    if (counts.get(term) === 1) covered++;
    while (covered === present.size) {
      best = Math.min(best, right - left + 1);
      const leaving = sequence[left]!;
      if (present.has(leaving)) {
        counts.set(leaving, counts.get(leaving)! - 1);
        if (counts.get(leaving) === 0) covered--;
      }
      left++;
    }
  }
  return { window: best, matched: present.size };
}

export class Bm25Reranker {
  private readonly documentFrequency = new Map<string, number>();
  private readonly chunkTerms = new Map<string, string[]>();
  private readonly averageLength: number;
  private readonly chunkCount: number;

  /** Collects term statistics over the whole corpus, not just the candidates. */
  constructor(chunks: readonly Chunk[]) {
    let totalLength = 0;
    for (const chunk of chunks) {
      const chunkTerms = terms(searchableText(chunk));
      this.chunkTerms.set(chunk.id, chunkTerms);
      totalLength += chunkTerms.length;
      for (const term of new Set(chunkTerms)) {
        this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
      }
    }
    this.chunkCount = chunks.length;
    this.averageLength = chunks.length > 0 ? totalLength / chunks.length : 1;
  }

  /** BM25 of `chunk` for the query terms, scaled by a proximity bonus in [1, 1 + PROXIMITY_WEIGHT]. */
  score(queryTerms: readonly string[], chunk: Chunk): number {
    const chunkTerms = this.chunkTerms.get(chunk.id) ?? terms(searchableText(chunk));
    const wanted = new Set(queryTerms);
    const frequency = new Map<string, number>();
    for (const term of chunkTerms) if (wanted.has(term)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    let bm25 = 0;
    for (const [term, tf] of frequency) {
      const df = this.documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (this.chunkCount - df + 0.5) / (df + 0.5));
      bm25 += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * chunkTerms.length) / this.averageLength));
    }
    if (bm25 === 0) return 0;
    const { window, matched } = shortestCoveringWindow(chunkTerms, wanted);
    const coverage = matched / wanted.size;
    const tightness = matched / window;
    return bm25 * (1 + PROXIMITY_WEIGHT * coverage * tightness);
  }
}

/**
 * Re-orders retrieval hits as a tracked RERANKING operation and keeps the best `topN`.
 * Candidates sharing no exact term with the question (score 0) are dropped: the first stage's
 * fragment matches let noise through, and this is where it stops.
 */
export async function rerank(
  monitor: PerformanceMonitor,
  reranker: Bm25Reranker,
  question: string,
  hits: readonly Hit[],
  topN: number,
): Promise<RankedHit[]> {
  return await monitor.track(OperationType.RERANKING, { 'rag.rerank.candidates': hits.length }, (op) => {
    const queryTerms = terms(question);
    const ranked = hits
      .map((hit) => ({ chunk: hit.chunk, score: reranker.score(queryTerms, hit.chunk), retrievalScore: hit.score }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score || b.retrievalScore - a.retrievalScore)
      .slice(0, topN);
    op.setAttribute('rag.rerank.kept', ranked.length);
    return ranked;
  });
}
