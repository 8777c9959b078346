import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { FakeListChatModel, FakeRetriever } from '@langchain/core/utils/testing';
import { RunnableSequence } from '@langchain/core/runnables';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RagMeterCallbackHandler } from '@ragmeter/langchain';
import { PerformanceMonitor } from '@ragmeter/sdk';
import { setTimeout as sleep } from 'node:timers/promises';

// LangChain's ContextualCompressionRetriever (from @langchain/classic) runs a base retriever,
// then a document compressor — a reranker such as CohereRerank, or an LLM-based extractor. The
// compressor makes no run of its own; the handler records its phase as `reranking`.

const DOCS = ['Paris is the capital of France.', 'Lyon is in France.', 'Berlin is in Germany.'].map(
  (pageContent) => new Document({ pageContent }),
);

/** A reranker as users write one: it scores documents against the query and keeps the best. */
class KeywordReranker extends BaseDocumentCompressor {
  constructor(readonly delayMs: number, readonly judge?: FakeListChatModel) {
    super();
  }
  async compressDocuments(documents: DocumentInterface[], query: string, callbacks?: Callbacks): Promise<DocumentInterface[]> {
    await sleep(this.delayMs);
    // An LLM-based compressor calls its model with the callbacks it is given.
    if (this.judge !== undefined) await this.judge.invoke(`Which documents answer "${query}"?`, { callbacks });
    const words = query.toLowerCase().split(/\W+/);
    const score = (d: DocumentInterface) => words.filter((w) => w !== '' && d.pageContent.toLowerCase().includes(w)).length;
    return [...documents].sort((a, b) => score(b) - score(a)).slice(0, 2);
  }
}

let monitor: PerformanceMonitor;
let exporter: InMemorySpanExporter;
beforeEach(() => {
  exporter = new InMemorySpanExporter();
  monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterEach(() => monitor.shutdown());

const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  expect(spans(name)).toHaveLength(1);
  return spans(name)[0]!;
};
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const seconds = ([s, ns]: [number, number]) => s + ns / 1e9;
const startMs = (span: ReadableSpan) => span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
const endMs = (span: ReadableSpan) => span.endTime[0] * 1e3 + span.endTime[1] / 1e6;

it('records the base retrieval as document_retrieval and the compression after it as reranking', async () => {
  const retriever = new ContextualCompressionRetriever({
    baseRetriever: new FakeRetriever({ output: DOCS }),
    baseCompressor: new KeywordReranker(30),
  });
  const chain = RunnableSequence.from([retriever, (docs: DocumentInterface[]) => docs.map((d) => d.pageContent)]);
  const found = await chain.invoke('capital of France', { callbacks: [new RagMeterCallbackHandler({ monitor })] });
  expect(found[0]).toBe('Paris is the capital of France.');

  const root = one('query_processing');
  const retrieval = one('document_retrieval');
  const reranking = one('reranking');
  expect(parentId(retrieval)).toBe(spanId(root));
  expect(parentId(reranking)).toBe(spanId(root));
  // The compressor sleeps 30 ms: that time is reranking's, after retrieval ended.
  expect(seconds(reranking.duration)).toBeGreaterThanOrEqual(0.029);
  expect(startMs(reranking)).toBeGreaterThanOrEqual(endMs(retrieval) - 1);
  expect(reranking.attributes['langchain.run.name']).toBe('ContextualCompressionRetriever');
  const ops = (await monitor.generateReport()).operations;
  expect(Object.keys(ops).sort()).toEqual(['document_retrieval', 'query_processing', 'reranking']);
});

it('a compressor\'s own model runs nest under reranking', async () => {
  const retriever = new ContextualCompressionRetriever({
    baseRetriever: new FakeRetriever({ output: DOCS }),
    baseCompressor: new KeywordReranker(0, new FakeListChatModel({ responses: ['The first.'] })),
  });
  await retriever.invoke('capital of France', { callbacks: [new RagMeterCallbackHandler({ monitor })] });
  // The compression retriever invoked alone: retrieval and reranking are outermost.
  expect(parentId(one('document_retrieval'))).toBeUndefined();
  expect(parentId(one('llm_inference'))).toBe(spanId(one('reranking')));
});

it('a compressor that fails fails reranking; retrieval stays a success', async () => {
  class Broken extends BaseDocumentCompressor {
    async compressDocuments(): Promise<DocumentInterface[]> {
      throw new RangeError('reranker quota exceeded');
    }
  }
  const retriever = new ContextualCompressionRetriever({ baseRetriever: new FakeRetriever({ output: DOCS }), baseCompressor: new Broken() });
  await expect(retriever.invoke('q', { callbacks: [new RagMeterCallbackHandler({ monitor })] })).rejects.toThrow('reranker quota exceeded');
  const ops = (await monitor.generateReport()).operations;
  expect(ops.document_retrieval).toMatchObject({ successful: 1, failed: 0 });
  expect(ops.reranking).toMatchObject({ failed: 1 });
  expect(one('reranking').attributes['error.type']).toBe('RangeError');
});
