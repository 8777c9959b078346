// One question, one QUERY_PROCESSING operation; the stages nest under it as child spans:
// EMBEDDING_GENERATION (the question) -> DOCUMENT_RETRIEVAL (cosine top-k) -> RERANKING
// (BM25 + proximity) -> LLM_INFERENCE (model or extractive).
import { performance } from 'node:perf_hooks';
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import type { CorpusIndex } from './corpus-index.js';
import { embedTexts } from './embedding.js';
import { generateAnswer, type AnswerGenerator, type AnswerMode } from './llm.js';
import { rerank } from './reranking.js';
import { DEFAULT_RETRIEVAL, NoRelevantDocumentsError, retrieve, type RetrievalOptions } from './retrieval.js';

export interface Source {
  document: string;
  /** 1-based page of the PDF. */
  page: number;
  /** The reranker's score (higher is better; not comparable across questions). */
  score: number;
  excerpt: string;
}

export interface QueryResult {
  answer: string;
  /** `no_answer`: neither stage found anything relevant, so no LLM was asked. */
  mode: AnswerMode | 'no_answer';
  sources: Source[];
  /** Seconds per stage, keyed by operation type, plus `query_processing` for the whole query. */
  timings: Partial<Record<OperationType, number>>;
}

export interface QueryOptions {
  /** Demo fault injection (see llm.ts). */
  injectLlmTimeout?: boolean;
}

export interface PipelineOptions {
  retrieval?: RetrievalOptions;
  /** How many reranked chunks reach the LLM and are cited. */
  rerankTopN?: number;
  llmTimeoutMs?: number;
}

export const NO_ANSWER = 'Nothing in the corpus matches this question, so there is no answer to give.';

const EXCERPT_CHARS = 200;

export function excerpt(text: string, maxChars = EXCERPT_CHARS): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return `${cut.slice(0, space > maxChars / 2 ? space : maxChars).trimEnd()}…`;
}

export class RagPipeline {
  private readonly retrieval: RetrievalOptions;
  private readonly rerankTopN: number;
  private readonly llmTimeoutMs: number;

  constructor(
    private readonly monitor: PerformanceMonitor,
    private readonly index: CorpusIndex,
    readonly generator: AnswerGenerator,
    options: PipelineOptions = {},
  ) {
    this.retrieval = options.retrieval ?? DEFAULT_RETRIEVAL;
    this.rerankTopN = options.rerankTopN ?? 3;
    this.llmTimeoutMs = options.llmTimeoutMs ?? 30_000;
  }

  query(question: string, options: QueryOptions = {}): Promise<QueryResult> {
    const { monitor, index } = this;
    const attributes = { 'rag.llm.mode': this.generator.mode };
    return monitor.track(OperationType.QUERY_PROCESSING, attributes, async (op) => {
      const started = performance.now();
      const timings: QueryResult['timings'] = {};
      async function timed<T>(stage: OperationType, fn: () => Promise<T>): Promise<T> {
        const t0 = performance.now();
        try {
          return await fn();
        } finally {
          timings[stage] = (performance.now() - t0) / 1000;
        }
      }
      const finish = (result: Omit<QueryResult, 'timings'>): QueryResult => {
        op.setAttribute('rag.answer.mode', result.mode);
        timings[OperationType.QUERY_PROCESSING] = (performance.now() - started) / 1000;
        return { ...result, timings };
      };

      const [queryVector] = await timed(OperationType.EMBEDDING_GENERATION, () =>
        embedTexts(monitor, index.embedder, [question], 'query'),
      );
      let hits;
      try {
        hits = await timed(OperationType.DOCUMENT_RETRIEVAL, () => retrieve(monitor, index.vectors, queryVector!, this.retrieval));
      } catch (error) {
        // The retrieval operation is recorded as failed; the query itself degrades gracefully.
        if (error instanceof NoRelevantDocumentsError) return finish({ answer: NO_ANSWER, mode: 'no_answer', sources: [] });
        throw error;
      }
      const ranked = await timed(OperationType.RERANKING, () => rerank(monitor, index.reranker, question, hits, this.rerankTopN));
      if (ranked.length === 0) return finish({ answer: NO_ANSWER, mode: 'no_answer', sources: [] });
      const answer = await timed(OperationType.LLM_INFERENCE, () =>
        generateAnswer(monitor, this.generator, question, ranked, {
          timeoutMs: this.llmTimeoutMs,
          injectTimeout: options.injectLlmTimeout === true,
        }),
      );
      return finish({
        answer,
        mode: this.generator.mode,
        sources: ranked.map((hit) => ({
          document: hit.chunk.document,
          page: hit.chunk.page,
          score: Math.round(hit.score * 1e4) / 1e4,
          excerpt: excerpt(hit.chunk.text),
        })),
      });
    });
  }
}
