// DOCUMENT_RETRIEVAL: the first stage. Exact cosine top-k over an in-memory index of chunk
// vectors (a brute-force scan is the right tool for a few hundred chunks).
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import type { Chunk } from './chunking.js';
import { cosine, type Vector } from './embedding.js';

export interface Hit {
  chunk: Chunk;
  /** Cosine similarity to the query, -1..1. */
  score: number;
}

export interface RetrievalOptions {
  topK: number;
  /** Hits below this similarity are not relevant enough to pass on. */
  minScore: number;
}

/**
 * The floor suits this corpus and embedding: the workload's questions score 0.2 or more with
 * their best chunk, its off-topic ones under 0.1. Lexical vectors of short questions share a
 * few character 3-grams with almost anything, so the floor only catches clearly unrelated
 * questions; the reranker drops the rest of the noise.
 */
export const DEFAULT_RETRIEVAL: RetrievalOptions = { topK: 8, minScore: 0.15 };

/** No chunk was similar enough to the question. The query still gets an (empty-handed) answer. */
export class NoRelevantDocumentsError extends Error {
  override readonly name = 'NoRelevantDocumentsError';
}

export class VectorIndex {
  private readonly chunks: Chunk[] = [];
  private readonly vectors: Vector[] = [];

  get size(): number {
    return this.chunks.length;
  }

  add(chunk: Chunk, vector: Vector): void {
    this.chunks.push(chunk);
    this.vectors.push(vector);
  }

  /** The `k` most similar chunks with score >= minScore, best first. */
  search(query: Vector, k: number, minScore = -Infinity): Hit[] {
    const hits: Hit[] = [];
    this.vectors.forEach((vector, i) => {
      const score = cosine(query, vector);
      if (score >= minScore) hits.push({ chunk: this.chunks[i]!, score });
    });
    hits.sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id));
    return hits.slice(0, k);
  }
}

/** Top-k retrieval as a tracked DOCUMENT_RETRIEVAL; an empty result fails the operation. */
export async function retrieve(
  monitor: PerformanceMonitor,
  index: VectorIndex,
  queryVector: Vector,
  options: RetrievalOptions = DEFAULT_RETRIEVAL,
): Promise<Hit[]> {
  return await monitor.track(OperationType.DOCUMENT_RETRIEVAL, { 'rag.retrieval.top_k': options.topK }, (op) => {
    const hits = index.search(queryVector, options.topK, options.minScore);
    op.setAttribute('rag.retrieval.hits', hits.length);
    if (hits.length === 0) {
      throw new NoRelevantDocumentsError(
        `no chunk among ${index.size} reaches similarity ${options.minScore} with the question`,
      );
    }
    return hits;
  });
}
