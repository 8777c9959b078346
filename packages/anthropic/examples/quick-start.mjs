// The README set-up, runnable: one streamed message through a wrapped client, then the report.
// Talks to Anthropic, or to the server given by ANTHROPIC_BASE_URL.
//
//   ANTHROPIC_API_KEY=... node examples/quick-start.mjs
import Anthropic from '@anthropic-ai/sdk';
import { getPerformanceMonitor } from '@ragmeter/sdk';
import { wrapAnthropic } from '@ragmeter/anthropic';

const client = wrapAnthropic(new Anthropic());

const stream = await client.messages.create({
  model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'In one sentence: what does a reranker do in a RAG pipeline?' }],
  stream: true,
});
for await (const event of stream) {
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') process.stdout.write(event.delta.text);
}
process.stdout.write('\n\n');

const monitor = getPerformanceMonitor();
await monitor.printReport();
await monitor.shutdown();
