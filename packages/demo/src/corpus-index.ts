// Start-up: PDF_LOADING for every file in the corpus directory, SEMANTIC_CHUNKING per
// document, then one EMBEDDING_GENERATION for all chunks, into the in-memory indexes that
// both retrieval stages read.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { countTokens, type PerformanceMonitor } from '@ragmeter/sdk';
import { chunkDocument, DEFAULT_CHUNKING, searchableText, type Chunk, type ChunkingOptions } from './chunking.js';
import { embedTexts, HashingEmbedder } from './embedding.js';
import { loadPdf, type LoadedDocument } from './pdf-loading.js';
import type { PdfTextExtractor } from './pdf-text.js';
import { Bm25Reranker } from './reranking.js';
import { VectorIndex } from './retrieval.js';

/** The corpus shipped with the demo. */
export const DEFAULT_CORPUS_DIR = join(__dirname, '..', 'corpus');

export interface CorpusIndex {
  documents: LoadedDocument[];
  chunks: Chunk[];
  embedder: HashingEmbedder;
  vectors: VectorIndex;
  reranker: Bm25Reranker;
}

export interface BuildIndexOptions {
  corpusDir?: string;
  chunking?: ChunkingOptions;
  extract?: PdfTextExtractor;
}

export async function buildCorpusIndex(monitor: PerformanceMonitor, options: BuildIndexOptions = {}): Promise<CorpusIndex> {
  const dir = options.corpusDir ?? DEFAULT_CORPUS_DIR;
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.pdf')).sort();
  if (files.length === 0) throw new Error(`no .pdf files in ${dir}`);

  // Load the tokenizer that counts embedding tokens now, or the first embedding's duration
  // would be mostly the tokenizer's start-up rather than the embedding.
  countTokens('warm up');

  const documents: LoadedDocument[] = [];
  for (const file of files) documents.push(await loadPdf(monitor, join(dir, file), options.extract));

  const embedder = new HashingEmbedder();
  embedder.fit(documents.flatMap((d) => d.pages));

  const chunks: Chunk[] = [];
  for (const document of documents) {
    chunks.push(...(await chunkDocument(monitor, embedder, document, options.chunking ?? DEFAULT_CHUNKING)));
  }

  const chunkVectors = await embedTexts(monitor, embedder, chunks.map(searchableText), 'chunks');
  const vectors = new VectorIndex();
  chunks.forEach((chunk, i) => vectors.add(chunk, chunkVectors[i]!));

  return { documents, chunks, embedder, vectors, reranker: new Bm25Reranker(chunks) };
}
