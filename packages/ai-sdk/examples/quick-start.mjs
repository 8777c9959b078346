// The README set-up, runnable: one line registers ragmeter with the Vercel AI SDK, then a
// streamed answer and the report. Talks to OpenAI, or to any OpenAI-compatible server given by
// OPENAI_BASE_URL.
//
//   OPENAI_API_KEY=... node examples/quick-start.mjs
//   OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_API_KEY=ollama OPENAI_MODEL=llama3.2 node examples/quick-start.mjs
import { createOpenAI } from '@ai-sdk/openai';
import { getPerformanceMonitor } from '@ragmeter/sdk';
import { ragmeterTelemetry } from '@ragmeter/ai-sdk';
import { registerTelemetry, streamText } from 'ai';

registerTelemetry(ragmeterTelemetry());

const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL });
const monitor = getPerformanceMonitor();

await monitor.track('query_processing', async () => {
  const result = streamText({
    model: openai.chat(process.env.OPENAI_MODEL ?? 'gpt-4o-mini'),
    prompt: 'In one sentence: what does a reranker do in a RAG pipeline?',
  });
  for await (const text of result.textStream) process.stdout.write(text);
  process.stdout.write('\n\n');
});

await monitor.printReport();
await monitor.shutdown();
