// The README set-up, runnable: one streamed chat completion through a wrapped client, then the
// report. Talks to OpenAI, or to any OpenAI-compatible server given by OPENAI_BASE_URL.
//
//   OPENAI_API_KEY=... node examples/quick-start.mjs
//   OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_API_KEY=ollama OPENAI_MODEL=llama3.2 node examples/quick-start.mjs
import OpenAI from 'openai';
import { getPerformanceMonitor } from '@ragmeter/sdk';
import { wrapOpenAI } from '@ragmeter/openai';

const client = wrapOpenAI(new OpenAI());

const stream = await client.chat.completions.create({
  model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'In one sentence: what does a reranker do in a RAG pipeline?' }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
process.stdout.write('\n\n');

const monitor = getPerformanceMonitor();
await monitor.printReport();
await monitor.shutdown();
