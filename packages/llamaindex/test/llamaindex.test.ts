import { CallbackManager, Settings } from '@llamaindex/core/global';
import { Document } from '@llamaindex/core/schema';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrumentLlamaIndex, MAX_PENDING, trackEmbedding, trackLLM, trackQueryEngine, type LlamaIndexInstrumentation } from '@ragmeter/llamaindex';
import { countTokens, PerformanceMonitor } from '@ragmeter/sdk';
import { VectorStoreIndex } from 'llamaindex/indices';
import { runInThisContext } from 'node:vm';
import { LetterEmbedding, RateLimitError, ScriptedLLM, WordOverlapReranker } from './helpers/models';

// A real LlamaIndex.TS pipeline — documents embedded into an in-memory VectorStoreIndex, its
// retriever query engine, a response synthesizer calling the LLM — with local models (see
// helpers/models.ts), read back from ragmeter's report and spans.

const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
realProcess.on('unhandledRejection', onUnhandled);
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));

const DOCS = [
  'Rerankers reorder retrieved passages by relevance to the question.',
  'Embeddings map text to vectors so that similar texts lie close together.',
  'Prometheus scrapes metrics over HTTP from a /metrics endpoint.',
];

let llm: ScriptedLLM;
let embed: LetterEmbedding;
let index: VectorStoreIndex;
beforeAll(async () => {
  llm = new ScriptedLLM();
  embed = new LetterEmbedding();
  Settings.llm = llm;
  Settings.embedModel = embed;
  index = await VectorStoreIndex.fromDocuments(DOCS.map((text) => new Document({ text })));
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  llm.answers.length = 0;
  expect(unhandled).toEqual([]);
});

function setup(instrument = true) {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  cleanups.push(() => monitor.shutdown());
  let handle: LlamaIndexInstrumentation | undefined;
  if (instrument) {
    handle = instrumentLlamaIndex({ monitor, callbackManager: Settings.callbackManager });
    cleanups.push(() => handle!.uninstrument());
  }
  const spans = (name?: string) => exporter.getFinishedSpans().filter((s) => name === undefined || s.name === name);
  const one = (name: string): ReadableSpan => {
    const found = spans(name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  const report = () => monitor.generateReport();
  return { monitor, spans, one, parentOf, report };
}

/** LlamaIndex dispatches events in microtasks: let them run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const ANSWER = ['Rerankers ', 'reorder ', 'passages.'];

describe('instrumentLlamaIndex(): a query through the events', () => {
  it('records the query, its retrieval and its LLM call, nested under the query, with the provider usage', async () => {
    const { one, parentOf, report } = setup();
    llm.say({ parts: ANSWER, usage: { prompt_tokens: 120, completion_tokens: 7 } });
    const response = await index.asQueryEngine({ similarityTopK: 2 }).query({ query: 'What do rerankers do?' });
    await settle();
    expect(response.toString()).toBe(ANSWER.join(''));

    const query = one('query_processing');
    expect(parentOf(query)).toBeUndefined();
    expect(parentOf(one('document_retrieval'))).toBe(query.spanContext().spanId);
    expect(one('document_retrieval').attributes['rag.retrieval.nodes']).toBe(2);
    const inference = one('llm_inference');
    expect(parentOf(inference)).toBe(query.spanContext().spanId);
    expect(inference.attributes['gen_ai.request.model']).toBe('scripted-1');

    const r = await report();
    expect(r.operations.query_processing).toMatchObject({ total: 1, successful: 1, failed: 0 });
    expect(r.operations.document_retrieval).toMatchObject({ total: 1, successful: 1 });
    expect(r.operations.llm_inference).toMatchObject({ total: 1, successful: 1, tokens: { input: 120, output: 7, total: 127 } });
  });

  it('a streamed query lasts until its answer is read; time to first token comes from the first chunk with text', async () => {
    const { one, parentOf, report } = setup();
    llm.say({ parts: ANSWER, delayMs: 30 }); // no usage reported: the tokenizer counts
    const stream = await index.asQueryEngine({ similarityTopK: 1 }).query({ query: 'What do rerankers do?', stream: true });
    await settle();
    expect((await report()).operations.query_processing).toBeUndefined(); // not read yet

    let text = '';
    for await (const chunk of stream) text += chunk.delta ?? '';
    await settle();
    expect(text).toBe(ANSWER.join(''));

    const query = one('query_processing');
    const inference = one('llm_inference');
    expect(parentOf(inference)).toBe(query.spanContext().spanId);
    expect(query.attributes['rag.query.streamed']).toBe(true);
    const r = await report();
    expect(r.operations.query_processing?.total).toBe(1);
    const llmOp = r.operations.llm_inference!;
    expect(llmOp.time_to_first_token?.count).toBe(1);
    // The first part came after one delay, the last after three: TTFT is about the first.
    expect(llmOp.time_to_first_token!.p50).toBeGreaterThanOrEqual(0.025);
    expect(llmOp.time_to_first_token!.p50).toBeLessThan(llmOp.duration.max);
    expect(llmOp.tokens.output).toBe(countTokens(ANSWER.join('')));
    expect(llmOp.tokens.input).toBe(countTokens(llm.calls.at(-1)!.map((m) => String(m.content))));
    expect(inference.attributes['rag.operation.tokens_from_text']).toBe(true);
  });

  it('concurrent queries each get their own children', async () => {
    const { spans, parentOf } = setup();
    llm.say({ parts: ['one'], delayMs: 20 }, { parts: ['two'], delayMs: 5 });
    const engine = index.asQueryEngine({ similarityTopK: 1 });
    await Promise.all([engine.query({ query: 'rerankers?' }), engine.query({ query: 'embeddings?' })]);
    await settle();
    const queries = spans('query_processing').map((s) => s.spanContext().spanId);
    expect(queries).toHaveLength(2);
    for (const name of ['llm_inference', 'document_retrieval']) {
      const parents = spans(name).map(parentOf);
      expect(parents.sort()).toEqual([...queries].sort());
    }
  });

  it('a failed LLM call has no end event: the events alone record neither it nor its query (see trackQueryEngine)', async () => {
    const { report } = setup();
    const error = new RateLimitError();
    llm.say({ parts: [], error });
    await expect(index.asQueryEngine().query({ query: 'What do rerankers do?' })).rejects.toBe(error);
    await settle();
    const r = await report();
    expect(r.operations.document_retrieval?.total).toBe(1);
    expect(r.operations.query_processing).toBeUndefined();
    expect(r.operations.llm_inference).toBeUndefined();
  });

  it("a query inside the application's own operation nests under it", async () => {
    const { one, parentOf, monitor } = setup();
    llm.say({ parts: ['x'] });
    await monitor.track('http_request', () => index.asQueryEngine().query({ query: 'q' }));
    await settle();
    expect(parentOf(one('query_processing'))).toBe(one('http_request').spanContext().spanId);
  });

  it('starts whose end never comes are given up past MAX_PENDING, oldest first, and counted', async () => {
    const { report, monitor, spans } = setup(false);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    cleanups.push(() => warn.mockRestore());
    const manager = new CallbackManager();
    const handle = instrumentLlamaIndex({ monitor, callbackManager: manager });
    for (let i = 0; i <= MAX_PENDING; i++) manager.dispatchEvent('retrieve-start', { id: `r${i}` as never, query: { query: 'q' } }, true);
    manager.dispatchEvent('retrieve-end', { id: 'r0' as never, query: { query: 'q' }, nodes: [] }, true); // given up
    manager.dispatchEvent('retrieve-end', { id: `r${MAX_PENDING}` as never, query: { query: 'q' }, nodes: [] }, true);
    manager.dispatchEvent('retrieve-end', { id: `r${MAX_PENDING}` as never, query: { query: 'q' }, nodes: [] }, true); // ended once
    let result = await report();
    expect(result.operations.document_retrieval?.total).toBe(1);
    expect(result.dropped.by_reason).toEqual({ abandoned_operation: 1 });
    expect(spans('document_retrieval').filter((s) => s.attributes['rag.operation.abandoned'] === true)).toHaveLength(1);

    // Those still open when the instrumentation stops are given up too.
    handle.uninstrument();
    result = await report();
    expect(result.dropped.by_reason).toEqual({ abandoned_operation: MAX_PENDING });
    expect(result.operations.document_retrieval?.total).toBe(1);
    const warnings = warn.mock.calls.filter(([, o]) => (o as { code?: string } | undefined)?.code === 'RAGMETER_ABANDONED_OPERATION');
    expect(warnings).toHaveLength(1);
  });

  it('a second instrumentLlamaIndex() on the same callback manager replaces the first', async () => {
    const { report, monitor } = setup();
    const again = instrumentLlamaIndex({ monitor, callbackManager: Settings.callbackManager });
    cleanups.push(() => again.uninstrument());
    llm.say({ parts: ['x'] });
    await index.asQueryEngine().query({ query: 'q' });
    await settle();
    expect((await report()).operations.query_processing?.total).toBe(1);
  });

  it('uninstrument() stops recording', async () => {
    const { report, monitor } = setup(false);
    const handle = instrumentLlamaIndex({ monitor, callbackManager: Settings.callbackManager });
    handle.uninstrument();
    handle.uninstrument();
    expect(() => handle.uninstrument()).not.toThrow();
    llm.say({ parts: ['x'] });
    await index.asQueryEngine().query({ query: 'q' });
    await settle();
    expect((await report()).total_operations).toBe(0);
  });

  it('with no callbackManager option, listens to Settings.callbackManager', async () => {
    const { report, monitor } = setup(false);
    const handle = instrumentLlamaIndex({ monitor });
    cleanups.push(() => handle.uninstrument());
    llm.say({ parts: ['x'] });
    await index.asQueryEngine().query({ query: 'q' });
    await settle();
    expect((await report()).operations.query_processing?.total).toBe(1);
  });
});

describe('wrappers: what the events cannot record', () => {
  it('trackQueryEngine records a failed query with error.type, its failed LLM call via trackLLM, and rethrows the same error', async () => {
    const { one, parentOf, report, monitor } = setup();
    const failing = trackLLM(new ScriptedLLM(), { monitor });
    const error = new RateLimitError();
    failing.say({ parts: [], error });
    const engine = trackQueryEngine(Settings.withLLM(failing, () => index.asQueryEngine()), { monitor });
    await expect(engine.query({ query: 'What do rerankers do?' })).rejects.toBe(error);
    await settle();

    const query = one('query_processing');
    const inference = one('llm_inference');
    expect(query.attributes['error.type']).toBe('RateLimitError');
    expect(inference.attributes['error.type']).toBe('RateLimitError');
    expect(parentOf(inference)).toBe(query.spanContext().spanId);
    expect(parentOf(one('document_retrieval'))).toBe(query.spanContext().spanId);
    const r = await report();
    expect(r.operations.query_processing).toMatchObject({ total: 1, failed: 1 });
    expect(r.operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(r.operations.document_retrieval).toMatchObject({ total: 1, successful: 1 });
  });

  it('nothing is recorded twice with the events on; the reranker and the query embedding nest inside', async () => {
    const { one, spans, parentOf, report, monitor } = setup();
    trackEmbedding(embed, { monitor });
    cleanups.push(() => trackEmbedding(embed, { monitor: new PerformanceMonitor({ memorySampleIntervalMs: 0 }) }));
    const reranker = new WordOverlapReranker(1);
    const engine = trackQueryEngine(index.asQueryEngine({ similarityTopK: 3, nodePostprocessors: [reranker] }), { monitor });
    trackQueryEngine(engine, { monitor }); // again: replaces, does not stack
    llm.say({ parts: ANSWER, usage: { prompt_tokens: 50, completion_tokens: 4 } });
    const response = await engine.query({ query: 'What do rerankers do?' });
    await settle();
    expect(response.sourceNodes).toHaveLength(1);

    const query = one('query_processing');
    const retrieval = one('document_retrieval');
    const rerank = one('reranking');
    const embedding = one('embedding_generation');
    expect(parentOf(retrieval)).toBe(query.spanContext().spanId);
    expect(parentOf(rerank)).toBe(query.spanContext().spanId);
    expect(parentOf(embedding)).toBe(retrieval.spanContext().spanId);
    expect(parentOf(one('llm_inference'))).toBe(query.spanContext().spanId);
    expect(rerank.attributes).toMatchObject({ 'rag.rerank.input_nodes': 3, 'rag.rerank.output_nodes': 1 });
    expect(embedding.attributes['gen_ai.request.model']).toBe('letters-26');
    expect(spans()).toHaveLength(5);
    const r = await report();
    expect(r.operations.embedding_generation?.tokens.input).toBe(countTokens('What do rerankers do?'));
    expect(r.operations.llm_inference?.tokens).toMatchObject({ input: 50, output: 4 });
  });

  it('a wrapped model called inside a query known from the events nests under that query', async () => {
    const { one, parentOf, monitor } = setup();
    const model = trackLLM(new ScriptedLLM(), { monitor });
    model.say({ parts: ['x'], usage: { prompt_tokens: 1, completion_tokens: 1 } });
    const engine = Settings.withLLM(model, () => index.asQueryEngine());
    await engine.query({ query: 'q' });
    await settle();
    expect(parentOf(one('llm_inference'))).toBe(one('query_processing').spanContext().spanId);
  });

  it('a retrieval that fails (its query embedding does) fails the retrieval, the embedding and the query', async () => {
    const { one, parentOf, report, monitor } = setup();
    // The index's own embedding model embeds the question.
    trackEmbedding(embed, { monitor });
    cleanups.push(() => trackEmbedding(embed, { monitor: new PerformanceMonitor({ memorySampleIntervalMs: 0 }) }));
    const engine = trackQueryEngine(index.asQueryEngine(), { monitor });
    const error = new RateLimitError();
    embed.failNext = error;
    await expect(engine.query({ query: 'q' })).rejects.toBe(error);
    await settle();
    const retrieval = one('document_retrieval');
    expect(parentOf(one('embedding_generation'))).toBe(retrieval.spanContext().spanId);
    expect(parentOf(retrieval)).toBe(one('query_processing').spanContext().spanId);
    const r = await report();
    for (const type of ['query_processing', 'document_retrieval', 'embedding_generation']) {
      expect(r.operations[type]).toMatchObject({ total: 1, failed: 1 });
    }
    expect(retrieval.attributes['error.type']).toBe('RateLimitError');
  });

  it('prompt and completion text go on spans only with captureContent', async () => {
    const { spans, monitor } = setup(false);
    const quiet = instrumentLlamaIndex({ monitor, callbackManager: Settings.callbackManager });
    llm.say({ parts: ['secret answer'] });
    await llm.chat({ messages: [{ role: 'user', content: 'secret question' }] });
    await settle();
    quiet.uninstrument();
    const loud = instrumentLlamaIndex({ monitor, callbackManager: Settings.callbackManager, captureContent: true });
    cleanups.push(() => loud.uninstrument());
    llm.say({ parts: ['open answer'] });
    await llm.chat({ messages: [{ role: 'user', content: 'open question' }] });
    await settle();
    const [first, second] = spans('llm_inference');
    expect(JSON.stringify(first!.attributes)).not.toContain('secret');
    expect(second!.attributes['gen_ai.prompt']).toContain('open question');
    expect(second!.attributes['gen_ai.completion']).toBe('open answer');
  });

  it('trackLLM: a stream cut mid-way fails with what arrived; a stream left early ends; complete() is one operation', async () => {
    const { spans, report, monitor } = setup(false);
    const model = trackLLM(new ScriptedLLM(), { monitor });
    const cut = new Error('socket hang up');
    model.say({ parts: ['a', 'b', 'c'], streamError: cut }, { parts: ['x', 'y', 'z'] }, { parts: ['done'], usage: { prompt_tokens: 3, completion_tokens: 1 } });

    const broken = await model.chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of broken) got.push(c.delta);
      })(),
    ).rejects.toBe(cut);
    const left = await model.chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const c of left) if (c.delta === 'x') break;
    const completion = await model.complete({ prompt: 'hello' });
    expect(completion.text).toBe('done');

    const r = await report();
    expect(r.operations.llm_inference).toMatchObject({ total: 3, successful: 2, failed: 1 });
    expect(r.operations.llm_inference?.time_to_first_token?.count).toBe(2);
    expect(spans('llm_inference').map((s) => s.attributes['error.type'] ?? null)).toEqual(['Error', null, null]);
  });

  it('trackEmbedding records a failed batch while indexing, rethrowing the same error', async () => {
    const { report, monitor } = setup(false);
    const model = trackEmbedding(new LetterEmbedding(), { monitor });
    const error = new RateLimitError();
    model.failNext = error;
    await expect(Settings.withEmbedModel(model, () => VectorStoreIndex.fromDocuments([new Document({ text: 'x' })]))).rejects.toBe(error);
    const vectors = await model.getTextEmbeddingsBatch(['alpha', 'beta', 'gamma']);
    expect(vectors).toHaveLength(3);
    const r = await report();
    expect(r.operations.embedding_generation).toMatchObject({ total: 2, failed: 1 });
    expect(r.operations.embedding_generation?.tokens.input).toBe(countTokens(['alpha', 'beta', 'gamma']));
  });

  it('bad set-up fails fast; recording problems never reach the caller', async () => {
    expect(() => trackQueryEngine({} as object)).toThrow(TypeError);
    expect(() => trackLLM(llm, { nope: 1 } as object)).toThrow(/unknown trackLLM option "nope"/);
    expect(() => instrumentLlamaIndex({ callbackManager: {} as never })).toThrow(TypeError);
    const broken = { trackOperation: () => { throw new Error('broken monitor'); } } as unknown as PerformanceMonitor;
    const model = trackLLM(new ScriptedLLM(), { monitor: broken });
    model.say({ parts: ['fine'] });
    const answer = await model.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.message.content).toBe('fine');
  });
});
