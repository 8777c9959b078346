import { startRagMeter, OperationType } from '@ragmeter/sdk';

// Once, at start-up: the live page /, /metrics, /report and /health on 127.0.0.1:9464.
const monitor = startRagMeter({ serviceName: 'my-rag-api' });

async function answer(question) {
  return monitor.track(OperationType.QUERY_PROCESSING, async () => {
    const docs = await monitor.track(OperationType.DOCUMENT_RETRIEVAL, async () => ['doc-1', 'doc-2']);
    return monitor.track(OperationType.LLM_INFERENCE, { 'gen_ai.request.model': 'gpt-4o-mini' }, async (op) => {
      const text = `Answer to "${question}" from ${docs.length} documents`;
      op.setTokens({ input: 120, output: 30 }); // or op.setUsage(response.usage)
      return text;
    });
  });
}

console.log(await answer('What is ragmeter?'));
await monitor.printReport(); // p50/p95/p99, errors, tokens and memory per operation type
await monitor.shutdown();
