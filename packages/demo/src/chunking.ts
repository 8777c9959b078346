// SEMANTIC_CHUNKING: splits each page into sentences, embeds them, and merges neighbours into
// one chunk while the next sentence stays similar to the chunk so far (and the chunk stays
// under a length cap). Chunks never cross a page, so every answer can cite its page.
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { cosine, embedTexts, normalize, type HashingEmbedder, type Vector } from './embedding.js';
import type { LoadedDocument } from './pdf-loading.js';

export interface Chunk {
  /** `<document>#p<page>-<n>`, unique in the corpus. */
  id: string;
  document: string;
  /** The document's title. */
  title: string;
  /** The heading of the section the chunk belongs to, if any. */
  section: string | undefined;
  /** 1-based page number. */
  page: number;
  text: string;
}

export interface ChunkingOptions {
  /** A sentence joins the current chunk while its cosine similarity to the chunk is at least this. */
  similarityThreshold: number;
  /** No chunk grows past this many characters (a single longer sentence stays whole). */
  maxChunkChars: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { similarityThreshold: 0.04, maxChunkChars: 700 };

/** Abbreviations whose trailing period does not end a sentence. */
const ABBREVIATIONS = /\b(?:e\.g|i\.e|etc|vs|approx|no|mr|mrs|ms|dr|st|mt|fig)\.$/i;

/**
 * Splits text into sentences. Paragraph breaks (blank lines) always end a sentence, so a
 * heading comes out as a "sentence" of its own without terminal punctuation.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s+/g, ' ').trim();
    if (flat === '') continue;
    let start = 0;
    for (const match of flat.matchAll(/[.!?]["')\]]?\s+(?=["'([]?[A-Z0-9])/g)) {
      const end = match.index + match[0].trimEnd().length;
      const candidate = flat.slice(start, end);
      if (ABBREVIATIONS.test(candidate)) continue;
      sentences.push(candidate.trim());
      start = match.index + match[0].length;
    }
    const rest = flat.slice(start).trim();
    if (rest !== '') sentences.push(rest);
  }
  return sentences;
}

/** A heading: short and without terminal punctuation. */
export function isHeading(sentence: string): boolean {
  return sentence.length <= 80 && !/[.!?:;]["')\]]?$/.test(sentence);
}

export interface MergedChunk {
  /** The section heading the chunk falls under, if any. */
  section: string | undefined;
  text: string;
}

/**
 * Groups consecutive sentences (given with their unit vectors) into chunks. A heading ends
 * the current chunk and names the chunks after it; a sentence joins the current chunk while
 * its similarity to the chunk's centroid stays at or above the threshold and the chunk stays
 * under the length cap. Pure: the arithmetic of semantic chunking, testable without a monitor.
 */
export function mergeSentences(
  sentences: readonly string[],
  vectors: readonly Vector[],
  options: ChunkingOptions = DEFAULT_CHUNKING,
  section?: string,
): MergedChunk[] {
  const chunks: MergedChunk[] = [];
  let parts: string[] = [];
  let length = 0;
  let centroid: Vector | undefined;
  const close = (): void => {
    if (parts.length > 0) chunks.push({ section, text: parts.join(' ') });
    parts = [];
    length = 0;
    centroid = undefined;
  };
  sentences.forEach((sentence, i) => {
    if (isHeading(sentence)) {
      close();
      section = sentence;
      return;
    }
    const vector = vectors[i]!;
    if (centroid) {
      const similar = cosine(vector, normalize(Float32Array.from(centroid))) >= options.similarityThreshold;
      const fits = length + 1 + sentence.length <= options.maxChunkChars;
      if (!similar || !fits) close();
    }
    parts.push(sentence);
    length += (length > 0 ? 1 : 0) + sentence.length;
    centroid ??= new Float32Array(vector.length);
    for (let d = 0; d < vector.length; d++) centroid[d]! += vector[d]!;
  });
  close();
  return chunks;
}

/** Chunks one document as a tracked SEMANTIC_CHUNKING operation (its sentence embeddings nest inside). */
export async function chunkDocument(
  monitor: PerformanceMonitor,
  embedder: HashingEmbedder,
  document: LoadedDocument,
  options: ChunkingOptions = DEFAULT_CHUNKING,
): Promise<Chunk[]> {
  return await monitor.track(OperationType.SEMANTIC_CHUNKING, { 'rag.document': document.name }, async (op) => {
    const pageSentences = document.pages.map(splitSentences);
    const vectors = await embedTexts(monitor, embedder, pageSentences.flat(), 'sentences');
    const chunks: Chunk[] = [];
    let offset = 0;
    let section: string | undefined;
    pageSentences.forEach((sentences, pageIndex) => {
      const pageVectors = vectors.slice(offset, offset + sentences.length);
      offset += sentences.length;
      // A section that runs over a page break keeps its heading on the next page.
      const merged = mergeSentences(sentences, pageVectors, options, section);
      merged.forEach((chunk, n) => {
        chunks.push({
          id: `${document.name}#p${pageIndex + 1}-${n + 1}`,
          document: document.name,
          title: document.title,
          section: chunk.section,
          page: pageIndex + 1,
          text: chunk.text,
        });
      });
      section = [...sentences].reverse().find(isHeading) ?? section;
    });
    op.setAttribute('rag.chunks', chunks.length);
    return chunks;
  });
}

/** What both retrieval stages index: the chunk with its document title and section heading, which name its subject. */
export function searchableText(chunk: Chunk): string {
  return [chunk.title, chunk.section, chunk.text].filter(Boolean).join('. ');
}
