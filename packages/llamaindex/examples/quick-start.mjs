// The README set-up, runnable: a VectorStoreIndex over three documents, one streamed query
// through its query engine, then the report. The LLM and the embedding model here are small
// local stand-ins so the example runs anywhere; put your provider's in their place
// (e.g. `Settings.llm = new OpenAI()` from @llamaindex/openai).
//
//   node examples/quick-start.mjs
import { Settings } from '@llamaindex/core/global';
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import { BaseLLM } from '@llamaindex/core/llms';
import { Document } from '@llamaindex/core/schema';
import { VectorStoreIndex } from 'llamaindex/indices';
import { getPerformanceMonitor } from '@ragmeter/sdk';
import { instrumentLlamaIndex, trackEmbedding, trackLLM, trackQueryEngine } from '@ragmeter/llamaindex';

class LetterEmbedding extends BaseEmbedding {
  async getTextEmbedding(text) {
    const v = new Array(26).fill(0);
    for (const c of text.toLowerCase()) if (c >= 'a' && c <= 'z') v[c.charCodeAt(0) - 97] += 1;
    return v;
  }
}

class QuoteLLM extends BaseLLM {
  metadata = { model: 'quote-1', temperature: 0, topP: 1, contextWindow: 4096, tokenizer: undefined, structuredOutput: false };
  async chat({ messages, stream }) {
    const prompt = String(messages.at(-1)?.content ?? '');
    const answer = prompt.split('\n').find((line) => line.includes('rerank')) ?? 'I do not know.';
    if (!stream) return { message: { role: 'assistant', content: answer }, raw: null };
    return (async function* () {
      for (const word of answer.split(/(?<= )/)) yield { delta: word, raw: null };
    })();
  }
}

// The one line: LlamaIndex's events (queries, retrievals, LLM calls) become ragmeter operations.
instrumentLlamaIndex();
// Models: their calls, failures included (LlamaIndex reports no embedding event, no failures).
Settings.llm = trackLLM(new QuoteLLM());
Settings.embedModel = trackEmbedding(new LetterEmbedding());

const index = await VectorStoreIndex.fromDocuments([
  new Document({ text: 'A reranker re-orders retrieved passages by relevance to the question.' }),
  new Document({ text: 'Embeddings map text to vectors, so that similar texts lie close together.' }),
  new Document({ text: 'Prometheus scrapes metrics over HTTP from a /metrics endpoint.' }),
]);
const engine = trackQueryEngine(index.asQueryEngine({ similarityTopK: 2 }));

const stream = await engine.query({ query: 'What does a reranker do?', stream: true });
for await (const chunk of stream) process.stdout.write(chunk.delta ?? '');
process.stdout.write('\n\n');

const monitor = getPerformanceMonitor();
await monitor.printReport();
await monitor.shutdown();
