import { BaseRetriever } from '@langchain/core/retrievers';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate, PromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence, type Runnable } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { AIMessageChunk } from '@langchain/core/messages';
import { FakeListChatModel, FakeRetriever, FakeStreamingChatModel, FakeStreamingLLM } from '@langchain/core/utils/testing';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RagMeterCallbackHandler } from '@ragmeter/langchain';
import { countTokens, PerformanceMonitor, type RagMeterOptions } from '@ragmeter/sdk';
import { runInThisContext } from 'node:vm';
import { TokenUsageLLM, UsageChatModel } from './helpers/models';

// Every test runs real @langchain/core runnables (sequences, maps, prompt templates, parsers,
// retrievers, tools) with LangChain's own test doubles for models, and reads what ragmeter
// recorded from its report and its spans.

const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
realProcess.on('unhandledRejection', onUnhandled);
afterAll(() => void realProcess.off('unhandledRejection', onUnhandled));
afterEach(() => expect(unhandled).toEqual([]));

const monitors: PerformanceMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
});

function setup(options: RagMeterOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0, spanProcessors: [new SimpleSpanProcessor(exporter)], ...options });
  monitors.push(monitor);
  const spans = (name?: string) => exporter.getFinishedSpans().filter((s) => name === undefined || s.name === name);
  const span = (name: string): ReadableSpan => {
    const found = spans(name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const report = () => monitor.generateReport();
  return { monitor, spans, span, report };
}

const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const seconds = ([s, ns]: [number, number]) => s + ns / 1e9;

const DOCS = [
  new Document({ pageContent: 'Paris is the capital of France.' }),
  new Document({ pageContent: 'The Seine flows through Paris.' }),
];
const QUESTION = 'What is the capital of France?';
const ANSWER = 'Paris.';
const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'Answer from the context.\n\n{context}'],
  ['human', '{question}'],
]);
const formatDocs = (docs: DocumentInterface[]) => docs.map((d) => d.pageContent).join('\n');
/** The prompt lines the chat model receives, as the handler counts them. */
const PROMPT_LINES = [`system: Answer from the context.\n\n${formatDocs(DOCS)}`, `human: ${QUESTION}`];

/** A RAG chain as the LangChain docs build one: retriever → prompt → chat model → parser. */
function ragChain(model: Runnable, retriever: Runnable = new FakeRetriever({ output: DOCS })) {
  return RunnableSequence.from([
    { context: retriever.pipe(formatDocs), question: new RunnablePassthrough() },
    prompt,
    model,
    new StringOutputParser(),
  ]);
}

describe('a RAG chain', () => {
  it('records the invocation as query_processing with retrieval and inference nested under it', async () => {
    const { monitor, spans, span, report } = setup();
    const handler = new RagMeterCallbackHandler({ monitor });
    const answer = await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, { callbacks: [handler] });
    expect(answer).toBe(ANSWER);

    const ops = (await report()).operations;
    expect(Object.keys(ops).sort()).toEqual(['document_retrieval', 'llm_inference', 'query_processing']);
    for (const type of Object.keys(ops)) expect(ops[type]).toMatchObject({ total: 1, successful: 1, failed: 0 });

    const root = span('query_processing');
    expect(parentId(root)).toBeUndefined();
    // The retriever sits two steps down (RunnableMap → RunnableSequence), the model behind the
    // prompt template: neither intermediate step is an operation, nesting passes through them.
    expect(parentId(span('document_retrieval'))).toBe(spanId(root));
    expect(parentId(span('llm_inference'))).toBe(spanId(root));
    expect(spans()).toHaveLength(3);
    expect(span('document_retrieval').attributes['langchain.run.name']).toBe('FakeRetriever');
    expect(handler.openRuns).toBe(0);
  });

  it('counts tokens with the tokenizer when the model reports no usage, and says so on the span', async () => {
    const { monitor, span, report } = setup();
    await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] });
    const llm = span('llm_inference');
    expect(llm.attributes['gen_ai.usage.input_tokens']).toBe(countTokens(PROMPT_LINES));
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBe(countTokens([ANSWER]));
    expect(llm.attributes['rag.operation.tokens_from_text']).toBe(true);
    expect((await report()).operations.llm_inference!.tokens).toMatchObject({
      input: countTokens(PROMPT_LINES),
      output: countTokens([ANSWER]),
    });
    // No text on spans unless content capture is on.
    expect(llm.attributes['gen_ai.prompt']).toBeUndefined();
    expect(llm.attributes['gen_ai.completion']).toBeUndefined();
  });

  it('takes tokens from usage_metadata, and the model and provider from the run', async () => {
    const { monitor, span, report } = setup();
    const model = new UsageChatModel({ responses: [ANSWER], usage: { input_tokens: 41, output_tokens: 3 }, model: 'fake-chat-1' });
    await ragChain(model).invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] });
    const llm = span('llm_inference');
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'fake-chat-1',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'fake-chat-1-2026',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 41,
      'gen_ai.usage.output_tokens': 3,
    });
    expect(llm.attributes['rag.operation.tokens_from_text']).toBeUndefined();
    expect((await report()).operations.llm_inference!.tokens).toMatchObject({ total: 44, input: 41, output: 3 });
  });

  it("prices the prompt-cache reads and writes of usage_metadata's input_token_details at their own rates", async () => {
    // $3 input, $0.30 cache reads, $3.75 cache writes, $15 output per million tokens
    const price = { inputPerMillionTokens: 3, outputPerMillionTokens: 15, cachedInputPerMillionTokens: 0.3, cacheWriteInputPerMillionTokens: 3.75 };
    const { monitor, span, report } = setup({ pricing: { 'fake-chat-1': price } });
    // As @langchain/anthropic reports a call that read 1000 tokens from the cache and wrote 50.
    const usage = { input_tokens: 1150, output_tokens: 3, input_token_details: { cache_read: 1000, cache_creation: 50 } };
    await new UsageChatModel({ responses: [ANSWER], usage, model: 'fake-chat-1' }).invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] });
    const usd = (100 * 3 + 1000 * 0.3 + 50 * 3.75 + 3 * 15) / 1e6;
    expect(span('llm_inference').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 1150,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.cache_creation.input_tokens': 50,
      'rag.operation.cost_usd': expect.closeTo(usd, 15),
    });
    expect((await report()).operations.llm_inference!.cost!.total_usd).toBeCloseTo(usd, 15);
  });

  it('reads the model from ls_model_name and the provider from ls_provider when the parameters name none', async () => {
    const { monitor, span } = setup();
    const model = new UsageChatModel({ responses: [ANSWER], usage: { input_tokens: 5, output_tokens: 1 }, lsModelName: 'fake-ls-model' });
    await model.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] });
    // A model invoked alone is the outermost run: it stays llm_inference.
    expect(span('llm_inference').attributes).toMatchObject({ 'gen_ai.request.model': 'fake-ls-model', 'gen_ai.provider.name': 'fakeai' });
  });

  it('takes tokens from llmOutput.tokenUsage of a text-completion LLM', async () => {
    const { monitor, span, report } = setup();
    const llm = new TokenUsageLLM({ response: ANSWER }, { promptTokens: 17, completionTokens: 2 });
    const chain = PromptTemplate.fromTemplate('Q: {question}\nA:').pipe(llm);
    expect(await chain.invoke({ question: QUESTION }, { callbacks: [new RagMeterCallbackHandler({ monitor })] })).toBe(ANSWER);
    expect(span('llm_inference').attributes).toMatchObject({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.usage.input_tokens': 17,
      'gen_ai.usage.output_tokens': 2,
    });
    expect(parentId(span('llm_inference'))).toBe(spanId(span('query_processing')));
    expect((await report()).operations.llm_inference!.tokens.total).toBe(19);
  });

  it('puts prompt and completion on spans with captureContent', async () => {
    const { monitor, span } = setup();
    await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, {
      callbacks: [new RagMeterCallbackHandler({ monitor, captureContent: true })],
    });
    expect(span('llm_inference').attributes['gen_ai.prompt']).toBe(PROMPT_LINES.join('\n'));
    expect(span('llm_inference').attributes['gen_ai.completion']).toBe(ANSWER);
  });

  it('nests under the caller\'s own operation', async () => {
    const { monitor, span } = setup();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] }));
    await monitor.track('http_request', () => chain.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] }));
    expect(parentId(span('query_processing'))).toBe(spanId(span('http_request')));
    expect(parentId(span('llm_inference'))).toBe(spanId(span('query_processing')));
  });

  it('keeps concurrent invocations apart', async () => {
    const { monitor, spans, report } = setup();
    const handler = new RagMeterCallbackHandler({ monitor });
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER], sleep: 5 }));
    await Promise.all(Array.from({ length: 8 }, () => chain.invoke(QUESTION, { callbacks: [handler] })));
    const ops = (await report()).operations;
    for (const type of ['query_processing', 'document_retrieval', 'llm_inference']) expect(ops[type]!.total).toBe(8);
    const roots = spans('query_processing');
    for (const child of [...spans('document_retrieval'), ...spans('llm_inference')]) {
      const root = roots.find((r) => spanId(r) === parentId(child));
      expect(root?.spanContext().traceId).toBe(child.spanContext().traceId);
    }
    // Each root has exactly one retrieval and one inference.
    for (const root of roots) expect(spans().filter((s) => parentId(s) === spanId(root))).toHaveLength(2);
    expect(handler.openRuns).toBe(0);
  });

  it('records each invocation of a handler given to several chains and batches', async () => {
    const { monitor, report } = setup();
    const handler = new RagMeterCallbackHandler({ monitor });
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] }));
    await chain.batch([QUESTION, QUESTION, QUESTION], { callbacks: [handler] });
    expect((await report()).operations.query_processing!.total).toBe(3);
    expect((await report()).operations.llm_inference!.total).toBe(3);
  });
});

describe('streaming', () => {
  it('.stream() records time to first token from the first streamed token, and the run until the stream ends', async () => {
    const { monitor, span, report } = setup();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER], sleep: 20 }));
    let text = '';
    for await (const chunk of await chain.stream(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] })) text += chunk;
    expect(text).toBe(ANSWER);

    const llm = span('llm_inference');
    const ttft = llm.attributes['rag.operation.time_to_first_token_seconds'] as number;
    // The fake model sleeps 20 ms before each of its 6 characters.
    expect(ttft).toBeGreaterThanOrEqual(0.019);
    expect(ttft).toBeLessThan(seconds(llm.duration));
    expect(seconds(llm.duration)).toBeGreaterThanOrEqual(6 * 0.019);
    expect(parentId(llm)).toBe(spanId(span('query_processing')));
    const ops = (await report()).operations;
    expect(ops.llm_inference!.time_to_first_token).toMatchObject({ count: 1 });
    expect(ops.llm_inference!.tokens.output).toBe(countTokens([ANSWER]));
    expect(ops.query_processing!.successful).toBe(1);
  });

  it('takes the usage a stream reports on its last chunk', async () => {
    const { monitor, span } = setup();
    const model = new UsageChatModel({ responses: [ANSWER], usage: { input_tokens: 30, output_tokens: 4 } });
    for await (const _ of await ragChain(model).stream(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] }));
    expect(span('llm_inference').attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 4 });
    expect(span('llm_inference').attributes['rag.operation.time_to_first_token_seconds']).toEqual(expect.any(Number));
  });

  it('an empty chunk is not a first token', async () => {
    const { monitor, report } = setup();
    const empty = new FakeStreamingChatModel({ chunks: [new AIMessageChunk({ content: '' }), new AIMessageChunk({ content: '' })] });
    for await (const _ of await empty.stream(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] }));
    expect((await report()).operations.llm_inference!.time_to_first_token).toBeUndefined();

    const late = new FakeStreamingChatModel({ chunks: [new AIMessageChunk({ content: '' }), new AIMessageChunk({ content: 'Paris' })] });
    for await (const _ of await late.stream(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] }));
    expect((await report()).operations.llm_inference!.time_to_first_token).toMatchObject({ count: 1 });
  });

  it('a streamed text-completion LLM records its time to first token too', async () => {
    const { monitor, span } = setup();
    const llm = new FakeStreamingLLM({ responses: ['Paris.'], sleep: 15 });
    let text = '';
    for await (const chunk of await llm.stream(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] })) text += chunk;
    expect(text).toBe('Paris.');
    const run = span('llm_inference');
    expect(run.attributes['gen_ai.operation.name']).toBe('text_completion');
    expect(run.attributes['rag.operation.time_to_first_token_seconds']).toBeGreaterThanOrEqual(0.014);
    expect(run.attributes['gen_ai.usage.output_tokens']).toBe(countTokens('Paris.'));
  });

  it('.invoke() of a chat model records no time to first token', async () => {
    const { monitor, span } = setup();
    await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] });
    expect(span('llm_inference').attributes['rag.operation.time_to_first_token_seconds']).toBeUndefined();
  });

  it('a stream left early leaves open runs, which the bound drops and counts; their operations are abandoned', async () => {
    const { monitor, spans, report } = setup();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const chain = ragChain(new FakeListChatModel({ responses: [ANSWER], sleep: 1 }));
      const leaveEarly = async (handler: RagMeterCallbackHandler) => {
        for await (const _ of await chain.stream(QUESTION, { callbacks: [handler] })) break;
      };
      // LangChain never ends the runs of a stream left early.
      const unbounded = new RagMeterCallbackHandler({ monitor });
      await leaveEarly(unbounded);
      const leftOpen = unbounded.openRuns;
      expect(leftOpen).toBeGreaterThan(1);

      // Room for two left streams' runs, or for one whole invocation: the oldest runs go first.
      const bound = 2 * leftOpen;
      const bounded = new RagMeterCallbackHandler({ monitor, maxOpenRuns: bound });
      for (let i = 0; i < 3; i++) await leaveEarly(bounded);
      expect(bounded.openRuns).toBeLessThanOrEqual(bound);
      expect(bounded.droppedRuns).toBeGreaterThanOrEqual(3 * leftOpen - bound);
      // The dropped runs' operations record nothing; the monitor counts them, warns once and
      // ends their spans marked, so the spans under them keep a parent.
      const abandoned = spans().filter((s) => s.attributes['rag.operation.abandoned'] === true);
      expect(abandoned.length).toBeGreaterThan(0);
      expect(abandoned.map((s) => s.name)).toContain('query_processing');
      const dropped = (await report()).dropped.by_reason.abandoned_operation;
      expect(dropped).toBe(abandoned.length);
      expect(dropped).toBeLessThanOrEqual(bounded.droppedRuns);
      const warnings = warn.mock.calls.filter(([, o]) => (o as { code?: string } | undefined)?.code === 'RAGMETER_ABANDONED_OPERATION');
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]![0])).toContain('maxOpenRuns');
      expect((await report()).operations.query_processing).toBeUndefined();

      // A later, complete invocation is recorded as usual, and leaves nothing open.
      const before = bounded.openRuns;
      expect(await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, { callbacks: [bounded] })).toBe(ANSWER);
      expect(spans('query_processing').filter((s) => s.attributes['rag.operation.abandoned'] === undefined)).toHaveLength(1);
      expect((await report()).operations.query_processing!.total).toBe(1);
      expect(bounded.openRuns).toBeLessThanOrEqual(before);
    } finally {
      warn.mockRestore();
    }
  });
});

class BrokenIndex extends Error {
  constructor() {
    super('index unavailable');
    this.name = 'BrokenIndex';
  }
}

class FailingRetriever extends BaseRetriever {
  lc_namespace = ['test', 'failing'];
  constructor(readonly error: Error) {
    super();
  }
  override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
    throw this.error;
  }
}

describe('failures', () => {
  it('a retriever error fails retrieval and the query, and reaches the caller unchanged', async () => {
    const { monitor, span, report } = setup();
    const error = new BrokenIndex();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] }), new FailingRetriever(error));
    const handler = new RagMeterCallbackHandler({ monitor });
    await expect(chain.invoke(QUESTION, { callbacks: [handler] })).rejects.toBe(error);
    const ops = (await report()).operations;
    expect(ops.document_retrieval).toMatchObject({ total: 1, failed: 1 });
    expect(ops.query_processing).toMatchObject({ total: 1, failed: 1 });
    expect(ops.llm_inference).toBeUndefined();
    expect(span('document_retrieval').attributes['error.type']).toBe('BrokenIndex');
    expect(span('query_processing').attributes['error.type']).toBe('BrokenIndex');
    expect(handler.openRuns).toBe(0);
  });

  it('a model error fails inference and the query', async () => {
    const { monitor, span, report } = setup();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] }));
    await expect(
      chain.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })], thrownErrorString: 'rate limited' } as never),
    ).rejects.toThrow('rate limited');
    expect((await report()).operations.llm_inference).toMatchObject({ total: 1, failed: 1 });
    expect(span('llm_inference').attributes['error.type']).toBe('Error');
    expect(span('query_processing').attributes['error.type']).toBe('Error');
  });

  it('an error thrown by the caller\'s own step reaches the caller as the same object', async () => {
    const { monitor, report } = setup();
    const error = new BrokenIndex();
    const chain = RunnableSequence.from([
      RunnableLambda.from(() => {
        throw error;
      }),
      new FakeListChatModel({ responses: [ANSWER] }),
    ]);
    await expect(chain.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor })] })).rejects.toBe(error);
    expect((await report()).operations.query_processing).toMatchObject({ failed: 1 });
  });

  it('a failing stream fails its operations', async () => {
    const { monitor, report } = setup();
    const model = new FakeStreamingChatModel({ thrownErrorString: 'stream broke' });
    const chain = prompt.pipe(model).pipe(new StringOutputParser());
    const consume = async () => {
      for await (const _ of await chain.stream({ context: 'c', question: QUESTION }, { callbacks: [new RagMeterCallbackHandler({ monitor })] }));
    };
    await expect(consume()).rejects.toThrow('stream broke');
    const ops = (await report()).operations;
    expect(ops.llm_inference).toMatchObject({ failed: 1 });
    expect(ops.query_processing).toMatchObject({ failed: 1 });
  });
});

describe('tools, rerankers and named runs', () => {
  const lookup = tool(async ({ city }: { city: string }) => `${city}: 2.1 million people`, {
    name: 'population_lookup',
    description: 'Population of a city',
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  });

  it('a tool run is a tool_call operation under the query', async () => {
    const { monitor, span } = setup();
    const chain = RunnableSequence.from([RunnableLambda.from((q: string) => ({ city: q })), lookup, new StringOutputParser()]);
    expect(await chain.invoke('Paris', { callbacks: [new RagMeterCallbackHandler({ monitor })] })).toContain('2.1 million');
    const call = span('tool_call');
    expect(call.attributes['langchain.run.name']).toBe('population_lookup');
    expect(parentId(call)).toBe(spanId(span('query_processing')));
  });

  it('a step named as a reranker is reranking; the option map names more runs by name or tag', async () => {
    const { monitor, span, spans } = setup();
    const rerank = RunnableLambda.from((docs: DocumentInterface[]) => [...docs].reverse()).withConfig({ runName: 'CrossEncoderReranker' });
    const chain = RunnableSequence.from([
      new FakeRetriever({ output: DOCS }),
      rerank,
      RunnableLambda.from(formatDocs).withConfig({ runName: 'format_context' }),
      RunnableLambda.from((context: string) => ({ context, question: QUESTION })).withConfig({ tags: ['assemble'] }),
      prompt,
      new FakeListChatModel({ responses: [ANSWER] }),
    ]);
    const handler = new RagMeterCallbackHandler({ monitor, operationTypes: { format_context: 'context_formatting', assemble: 'prompt_assembly' } });
    await chain.invoke(QUESTION, { callbacks: [handler] });
    const root = span('query_processing');
    for (const type of ['document_retrieval', 'reranking', 'context_formatting', 'prompt_assembly', 'llm_inference']) {
      expect(parentId(span(type))).toBe(spanId(root));
    }
    expect(span('reranking').attributes['langchain.run.name']).toBe('CrossEncoderReranker');
    expect(spans()).toHaveLength(6);
  });

  it('false in the option map passes a run through: its children nest under the next operation up', async () => {
    const { monitor, spans, span } = setup();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] })).withConfig({ runName: 'rag' });
    const outer = RunnableSequence.from([RunnableLambda.from((q: string) => q), chain]);
    await outer.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor, operationTypes: { FakeRetriever: false } })] });
    expect(spans('document_retrieval')).toHaveLength(0);
    expect(parentId(span('llm_inference'))).toBe(spanId(span('query_processing')));
  });

  it('a prompt template or parser invoked on its own is no query', async () => {
    const { monitor, report } = setup();
    const handler = new RagMeterCallbackHandler({ monitor });
    await prompt.invoke({ context: 'c', question: QUESTION }, { callbacks: [handler] });
    await new StringOutputParser().invoke('text', { callbacks: [handler] });
    expect((await report()).total_operations).toBe(0);
    // Named in the option map, it is recorded.
    await prompt.invoke({ context: 'c', question: QUESTION }, { callbacks: [new RagMeterCallbackHandler({ monitor, operationTypes: { ChatPromptTemplate: 'prompt_rendering' } })] });
    expect((await report()).operations.prompt_rendering?.total).toBe(1);
  });

  it('the option map overrides the outermost run too', async () => {
    const { monitor, span, spans } = setup();
    const chain = ragChain(new FakeListChatModel({ responses: [ANSWER] })).withConfig({ runName: 'answer_question' });
    await chain.invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler({ monitor, operationTypes: { answer_question: 'rag_answer' } })] });
    expect(spans('query_processing')).toHaveLength(0);
    expect(parentId(span('llm_inference'))).toBe(spanId(span('rag_answer')));
  });
});

describe('the handler', () => {
  it('rejects bad options at once', () => {
    expect(() => new RagMeterCallbackHandler({ monitr: 1 } as never)).toThrow(/unknown RagMeterCallbackHandler option "monitr"/);
    expect(() => new RagMeterCallbackHandler({ monitor: {} as never })).toThrow(TypeError);
    expect(() => new RagMeterCallbackHandler({ captureContent: 'yes' as never })).toThrow(TypeError);
    expect(() => new RagMeterCallbackHandler({ maxOpenRuns: 0 })).toThrow(TypeError);
    expect(() => new RagMeterCallbackHandler({ operationTypes: { x: 'Bad Type' } })).toThrow(/operationTypes\["x"\]/);
    expect(() => new RagMeterCallbackHandler({ operationTypes: [] as never })).toThrow(TypeError);
  });

  it('never throws on callbacks it cannot read, and ignores runs it never saw start', () => {
    const { monitor } = setup();
    const handler = new RagMeterCallbackHandler({ monitor });
    const weird = new Proxy({}, { get: () => { throw new Error('hostile'); } });
    expect(() => {
      handler.handleChainStart(weird as never, {}, 'r1', undefined, weird as never);
      handler.handleChatModelStart(weird as never, [[weird]] as never, 'r2', 'r1', weird as never, undefined, weird as never);
      handler.handleLLMNewToken('x', { prompt: 0, completion: 0 }, 'r2', undefined, undefined, weird);
      handler.handleLLMEnd(weird, 'r2');
      handler.handleLLMEnd({ generations: 'nope' }, 'unknown');
      handler.handleChainError(weird, 'r1');
      handler.handleToolEnd(undefined, 'never-started');
    }).not.toThrow();
    expect(handler.openRuns).toBe(0);
  });

  it('is one handler however LangChain copies it', () => {
    const handler = new RagMeterCallbackHandler();
    expect(handler.copy()).toBe(handler);
    expect(handler.awaitHandlers).toBe(true);
  });

  it('records on the global monitor by default', async () => {
    const { getPerformanceMonitor } = await import('@ragmeter/sdk');
    const global = getPerformanceMonitor();
    global.clearMetrics();
    await ragChain(new FakeListChatModel({ responses: [ANSWER] })).invoke(QUESTION, { callbacks: [new RagMeterCallbackHandler()] });
    expect((await global.generateReport()).operations.query_processing?.total).toBe(1);
  });
});
