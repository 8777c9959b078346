// The README set-up, runnable: a RAG chain (retriever → prompt → chat model → parser) invoked
// and streamed with the ragmeter handler, then the report. It runs offline on LangChain's own
// test doubles; put your retriever and chat model (ChatOpenAI, ChatAnthropic, ...) in their place.
//
//   node examples/quick-start.mjs
import { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeListChatModel, FakeRetriever } from '@langchain/core/utils/testing';
import { getPerformanceMonitor } from '@ragmeter/sdk';
import { RagMeterCallbackHandler } from '@ragmeter/langchain';

const retriever = new FakeRetriever({
  output: [new Document({ pageContent: 'A reranker re-orders retrieved passages by relevance to the question.' })],
});
const model = new FakeListChatModel({ responses: ['It puts the most relevant passages first.'], sleep: 10 });
const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'Answer from this context:\n{context}'],
  ['human', '{question}'],
]);
const chain = RunnableSequence.from([
  { context: retriever.pipe((docs) => docs.map((d) => d.pageContent).join('\n')), question: new RunnablePassthrough() },
  prompt,
  model,
  new StringOutputParser(),
]);

const handler = new RagMeterCallbackHandler();
const question = 'What does a reranker do in a RAG pipeline?';

console.log(await chain.invoke(question, { callbacks: [handler] }));
for await (const chunk of await chain.stream(question, { callbacks: [handler] })) process.stdout.write(chunk);
process.stdout.write('\n\n');

const monitor = getPerformanceMonitor();
await monitor.printReport();
await monitor.shutdown();
