import { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { FakeListChatModel, FakeRetriever } from '@langchain/core/utils/testing';
import { RagMeterCallbackHandler, registerRagMeterHandler } from '@ragmeter/langchain';
import { PerformanceMonitor } from '@ragmeter/sdk';

// registerRagMeterHandler() puts one handler on every run through LangChain's configure hook,
// so chains record with no `callbacks` option.

let monitor: PerformanceMonitor;
beforeEach(() => {
  monitor = new PerformanceMonitor({ memorySampleIntervalMs: 0 });
});
afterEach(() => monitor.shutdown());

const chain = () =>
  ChatPromptTemplate.fromMessages([['human', '{question}']])
    .pipe(new FakeListChatModel({ responses: ['Paris.'] }))
    .pipe(new StringOutputParser());

it('records chains run with no callbacks option', async () => {
  const handler = registerRagMeterHandler({ monitor });
  expect(handler).toBeInstanceOf(RagMeterCallbackHandler);
  expect(await chain().invoke({ question: 'Capital of France?' })).toBe('Paris.');
  await new FakeRetriever({ output: [new Document({ pageContent: 'x' })] }).invoke('q');
  const ops = (await monitor.generateReport()).operations;
  expect(ops.query_processing?.total).toBe(1);
  expect(ops.llm_inference?.total).toBe(1);
  expect(ops.document_retrieval?.total).toBe(1);
});

it('records a run once when the registered handler is also given in callbacks', async () => {
  const handler = registerRagMeterHandler({ monitor });
  await chain().invoke({ question: 'Capital of France?' }, { callbacks: [handler] });
  expect((await monitor.generateReport()).operations.llm_inference?.total).toBe(1);
});
