// EMBEDDING_GENERATION: an offline, lexical embedding. Not a neural model, and it needs no
// download: each text becomes a TF-IDF weighted bag of word terms and character 3-grams,
// feature-hashed into a fixed number of dimensions and L2-normalised. Cosine similarity
// between two vectors then measures shared words and word fragments, not meaning, so a
// question has to use some of the corpus's words to find it. Real services swap this class
// for an embedding model; the tracked operation around it stays the same.
import { countTokens, OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { terms } from './terms.js';

export const EMBEDDING_DIMENSIONS = 1024;
/** Reported as `gen_ai.request.model`, so the GenAI metrics name what produced the vectors. */
export const EMBEDDING_MODEL = `hashed-tfidf-${EMBEDDING_DIMENSIONS}`;

/** Character 3-grams count for less than whole words: they only help near-miss spellings. */
const NGRAM_WEIGHT = 0.4;

export type Vector = Float32Array;

/** 32-bit FNV-1a: fast, stable across runs and platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Counts of the features of a text: word terms ("w:") and 3-grams of each term ("g:"). */
function features(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  for (const term of terms(text)) {
    add(`w:${term}`);
    const padded = `#${term}#`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`g:${padded.slice(i, i + 3)}`);
  }
  return counts;
}

export function cosine(a: Vector, b: Vector): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/** Scales `v` to unit length in place (a zero vector stays zero). */
export function normalize(v: Vector): Vector {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export class HashingEmbedder {
  readonly dimensions: number;
  private readonly documentFrequency = new Map<string, number>();
  private documentCount = 0;

  constructor(dimensions = EMBEDDING_DIMENSIONS) {
    this.dimensions = dimensions;
  }

  /** Learns inverse document frequencies from the corpus (here: one "document" per page). */
  fit(texts: readonly string[]): void {
    for (const text of texts) {
      this.documentCount++;
      for (const feature of features(text).keys()) {
        this.documentFrequency.set(feature, (this.documentFrequency.get(feature) ?? 0) + 1);
      }
    }
  }

  /** The unit-length vector of `text`; sublinear TF times smoothed IDF, signed hashing. */
  embed(text: string): Vector {
    const vector = new Float32Array(this.dimensions);
    for (const [feature, count] of features(text)) {
      const df = this.documentFrequency.get(feature) ?? 0;
      const idf = Math.log((1 + this.documentCount) / (1 + df)) + 1;
      const hash = fnv1a(feature);
      // The top bit picks the sign, so colliding features cancel out on average instead of piling up.
      const sign = hash & 0x80000000 ? -1 : 1;
      const weight = feature.startsWith('g:') ? NGRAM_WEIGHT : 1;
      vector[hash % this.dimensions]! += sign * weight * (1 + Math.log(count)) * idf;
    }
    return normalize(vector);
  }
}

/**
 * Embeds a batch of texts as one tracked EMBEDDING_GENERATION operation. Input tokens are
 * counted with the SDK's tokenizer, as an embedding API would bill them.
 */
export async function embedTexts(
  monitor: PerformanceMonitor,
  embedder: HashingEmbedder,
  texts: readonly string[],
  purpose: 'sentences' | 'chunks' | 'query',
): Promise<Vector[]> {
  return await monitor.track(
    OperationType.EMBEDDING_GENERATION,
    { 'gen_ai.request.model': EMBEDDING_MODEL, 'rag.embedding.purpose': purpose },
    (op) => {
      op.setTokens({ input: countTokens(texts) });
      return texts.map((text) => embedder.embed(text));
    },
  );
}
