// The demo pipeline end to end in-process: the real corpus, the real API server over HTTP, and
// a monitor whose spans go to an in-memory exporter.
import type { Server } from 'node:http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OperationType } from '@ragmeter/sdk';
import { DEFAULT_CHUNKING, isHeading, splitSentences } from '../src/chunking';
import { buildCorpusIndex, type CorpusIndex } from '../src/corpus-index';
import { ExtractiveGenerator } from '../src/llm';
import { NO_ANSWER, RagPipeline, type QueryResult } from '../src/query-pipeline';
import { close, createApiServer, listen } from '../src/server';
import { OFF_TOPIC_QUESTIONS, QUESTIONS } from '../src/workload';
import { childProcessExtractor, CORPUS_DIR } from './helpers/corpus-text';
import { createTestMonitor, parentId, type TestMonitor } from './helpers/test-monitor';

let t: TestMonitor;
let index: CorpusIndex;
let server: Server;
let baseUrl: string;

async function ask(question: string): Promise<{ status: number; body: QueryResult & { error?: string } }> {
  const response = await fetch(`${baseUrl}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  return { status: response.status, body: (await response.json()) as QueryResult & { error?: string } };
}

const spanId = (span: ReadableSpan): string => span.spanContext().spanId;

beforeAll(async () => {
  t = createTestMonitor();
  index = await buildCorpusIndex(t.monitor, { corpusDir: CORPUS_DIR, extract: await childProcessExtractor() });
  server = createApiServer({ pipeline: new RagPipeline(t.monitor, index, new ExtractiveGenerator()), faultInjection: true });
  baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
});

afterAll(async () => {
  await close(server);
  await t.monitor.shutdown();
});

describe('start-up indexing', () => {
  it('loads every PDF of the corpus, with its pages and title', () => {
    expect(index.documents.map((d) => d.name)).toEqual([
      'lighthouse-history.pdf',
      'lumen-lamp-faq.pdf',
      'northwind-employee-handbook.pdf',
      'northwind-security-policy.pdf',
      'payments-oncall-runbook.pdf',
      'sourdough-notes.pdf',
    ]);
    for (const document of index.documents) {
      expect(document.pages.length).toBe(3);
      expect(document.title).not.toBe(document.name); // the PDF's Title metadata was read
    }
    expect(index.documents.find((d) => d.name === 'lighthouse-history.pdf')!.title).toBe('A Short History of Lighthouses');
  });

  it('chunks within pages, under the length cap, keeping every sentence in order', () => {
    expect(index.chunks.length).toBeGreaterThan(index.documents.length * 3);
    for (const chunk of index.chunks) expect(chunk.text.length).toBeLessThanOrEqual(DEFAULT_CHUNKING.maxChunkChars);
    for (const document of index.documents) {
      document.pages.forEach((page, i) => {
        const sentences = splitSentences(page).filter((s) => !isHeading(s));
        const chunks = index.chunks.filter((c) => c.document === document.name && c.page === i + 1);
        expect(chunks.map((c) => c.text).join(' ')).toBe(sentences.join(' '));
      });
    }
    // Headings name their sections: the rollback chunk knows it is about rolling back.
    const rollback = index.chunks.find((c) => c.text.includes('deployctl rollback'))!;
    expect(rollback.section).toBe('Rolling back a deploy');
    expect(index.vectors.size).toBe(index.chunks.length);
  });

  it('records one PDF_LOADING and one SEMANTIC_CHUNKING span per document, sentence embeddings nested in chunking', () => {
    const spans = t.spans();
    const loading = spans.filter((s) => s.name === OperationType.PDF_LOADING);
    const chunking = spans.filter((s) => s.name === OperationType.SEMANTIC_CHUNKING);
    expect(loading.map((s) => s.attributes['rag.document']).sort()).toEqual(index.documents.map((d) => d.name));
    expect(chunking).toHaveLength(index.documents.length);
    for (const span of chunking) {
      const children = spans.filter((s) => parentId(s) === spanId(span));
      expect(children.map((c) => c.name)).toEqual([OperationType.EMBEDDING_GENERATION]);
      expect(children[0]!.attributes['rag.embedding.purpose']).toBe('sentences');
    }
  });
});

describe('queries over HTTP', () => {
  it('cites the document that answers each known question', async () => {
    for (const { question, document } of QUESTIONS) {
      const { status, body } = await ask(question);
      expect(status).toBe(200);
      expect(body.mode).toBe('extractive');
      expect({ question, top: body.sources[0]?.document }).toEqual({ question, top: document });
      expect(body.answer).toMatch(/\[1\]/); // quotes the top source
    }
  });

  it('answers with the page that holds the fact, and quotes it', async () => {
    const cases = [
      { question: 'How do I roll back a bad deploy of the payments API?', document: 'payments-oncall-runbook.pdf', page: 3, fact: 'deployctl rollback' },
      { question: 'Who invented the Fresnel lens and where was it first installed?', document: 'lighthouse-history.pdf', page: 3, fact: 'Cordouan' },
      { question: 'How long are application logs retained?', document: 'northwind-security-policy.pdf', page: 2, fact: '30 days' },
      { question: 'How many days of paid time off do employees get per year?', document: 'northwind-employee-handbook.pdf', page: 2, fact: '25 days' },
    ];
    for (const c of cases) {
      const { body } = await ask(c.question);
      expect(body.sources[0]).toMatchObject({ document: c.document, page: c.page });
      expect(body.answer).toContain(c.fact);
      expect(body.sources[0]!.excerpt.length).toBeGreaterThan(0);
    }
  });

  it('returns sources best first and per-stage timings in seconds that add up', async () => {
    const { body } = await ask('How long does the lamp battery last at half brightness?');
    const scores = body.sources.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.sources.length).toBeLessThanOrEqual(3);
    const stages = [
      OperationType.EMBEDDING_GENERATION,
      OperationType.DOCUMENT_RETRIEVAL,
      OperationType.RERANKING,
      OperationType.LLM_INFERENCE,
    ] as const;
    const total = body.timings[OperationType.QUERY_PROCESSING]!;
    let sum = 0;
    for (const stage of stages) {
      expect(body.timings[stage]).toBeGreaterThan(0);
      sum += body.timings[stage]!;
    }
    expect(sum).toBeLessThanOrEqual(total);
    expect(total).toBeLessThan(5);
  });

  it('answers off-topic questions with no_answer and records the empty retrieval as a failed operation', async () => {
    const before = await t.monitor.getOperationStats(OperationType.DOCUMENT_RETRIEVAL);
    for (const { question } of OFF_TOPIC_QUESTIONS) {
      const { status, body } = await ask(question);
      expect(status).toBe(200);
      expect(body).toMatchObject({ mode: 'no_answer', answer: NO_ANSWER, sources: [] });
    }
    const after = await t.monitor.getOperationStats(OperationType.DOCUMENT_RETRIEVAL);
    expect(after.failedOperations - before.failedOperations).toBe(OFF_TOPIC_QUESTIONS.length);
    const failed = t.spans().filter((s) => s.name === OperationType.DOCUMENT_RETRIEVAL && s.attributes['error.type']);
    expect(failed.map((s) => s.attributes['error.type'])).toEqual(OFF_TOPIC_QUESTIONS.map(() => 'NoRelevantDocumentsError'));
  });

  it('turns an injected LLM timeout into a 504 and a failed LLM and query operation', async () => {
    const llmBefore = await t.monitor.getOperationStats(OperationType.LLM_INFERENCE);
    const response = await fetch(`${baseUrl}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ragmeter-demo-fault': 'llm-timeout' },
      body: JSON.stringify({ question: 'How long is the warranty on the Lumen L2 lamp?' }),
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: string }).error).toMatch(/no answer within 1500 ms \(injected fault/);
    const llmAfter = await t.monitor.getOperationStats(OperationType.LLM_INFERENCE);
    expect(llmAfter.failedOperations - llmBefore.failedOperations).toBe(1);
    expect(llmAfter.maxDurationSeconds).toBeGreaterThanOrEqual(1.4);
    const query = t.spans().filter((s) => s.name === OperationType.QUERY_PROCESSING && s.attributes['error.type'] === 'LlmTimeoutError');
    expect(query).toHaveLength(1);
  });

  it('nests every stage of a query under its QUERY_PROCESSING span, in pipeline order', async () => {
    t.exporter.reset();
    await ask('What hydration should a first sourdough loaf use?');
    const spans = t.spans();
    const roots = spans.filter((s) => parentId(s) === undefined);
    expect(roots.map((s) => s.name)).toEqual([OperationType.QUERY_PROCESSING]);
    const query = roots[0]!;
    const children = spans
      .filter((s) => parentId(s) === spanId(query))
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(children.map((s) => s.name)).toEqual([
      OperationType.EMBEDDING_GENERATION,
      OperationType.DOCUMENT_RETRIEVAL,
      OperationType.RERANKING,
      OperationType.LLM_INFERENCE,
    ]);
    for (const child of children) expect(child.spanContext().traceId).toBe(query.spanContext().traceId);
    expect(spans).toHaveLength(5);
    const llm = children[3]!;
    expect(llm.attributes['gen_ai.request.model']).toBe('extractive');
    expect(llm.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('has every one of the seven operation types in the report, with counts that match the traffic', async () => {
    const report = await t.monitor.generateReport();
    expect(Object.keys(report.operations).sort()).toEqual(Object.values(OperationType).sort());
    const ops = report.operations;
    expect(ops[OperationType.PDF_LOADING]!.total).toBe(6);
    expect(ops[OperationType.SEMANTIC_CHUNKING]!.total).toBe(6);
    const queries = ops[OperationType.QUERY_PROCESSING]!.total;
    // one query embedding per query, plus one sentence batch per document and one chunk batch
    expect(ops[OperationType.EMBEDDING_GENERATION]!.total).toBe(queries + 6 + 1);
    expect(ops[OperationType.DOCUMENT_RETRIEVAL]!.total).toBe(queries);
    expect(ops[OperationType.LLM_INFERENCE]!.tokens.output).toBeGreaterThan(0);
    expect(ops[OperationType.EMBEDDING_GENERATION]!.tokens.input).toBeGreaterThan(0);
  });
});
