// LLM_INFERENCE: turns the reranked chunks into an answer. Two generators:
// - OpenAiGenerator: any OpenAI-compatible endpoint (OPENAI_BASE_URL) through the official
//   `openai` client, streaming, recorded by @ragmeter/openai (the token usage the server reports,
//   time to first token, failures);
// - ExtractiveGenerator: the offline fallback. No model: it quotes the sentences of the best
//   chunks that share the most terms with the question, and says so (mode "extractive").
//   Its tokens are what a model would have read and written, counted with the SDK's tokenizer.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { wrapOpenAI } from '@ragmeter/openai';
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { splitSentences } from './chunking.js';
import type { RankedHit } from './reranking.js';
import { terms } from './terms.js';

export type AnswerMode = 'llm' | 'extractive';

export interface AnswerGenerator {
  readonly mode: AnswerMode;
  /** Recorded as `gen_ai.request.model`. */
  readonly model: string;
  /** Writes the answer, recorded on `monitor` as an llm_inference operation with its tokens. */
  generate(monitor: PerformanceMonitor, question: string, contexts: readonly RankedHit[], signal: AbortSignal): Promise<string>;
}

/** The LLM gave no answer within its deadline. */
export class LlmTimeoutError extends Error {
  override readonly name = 'LlmTimeoutError';
}

/** The messages an LLM receives: numbered sources, then the question. */
export function buildMessages(question: string, contexts: readonly RankedHit[]): ChatCompletionMessageParam[] {
  const sources = contexts
    .map((hit, i) => `[${i + 1}] ${hit.chunk.document}, page ${hit.chunk.page}:\n${hit.chunk.text}`)
    .join('\n\n');
  return [
    {
      role: 'system',
      content:
        'Answer the question using only the numbered sources. Be brief and cite sources as [n]. ' +
        'If the sources do not contain the answer, say that you do not know.',
    },
    { role: 'user', content: `Sources:\n${sources}\n\nQuestion: ${question}` },
  ];
}

function messagesText(messages: readonly ChatCompletionMessageParam[]): string {
  return messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
}

export interface OpenAiGeneratorOptions {
  baseURL: string;
  apiKey?: string;
  model?: string;
  /** Non-streaming mode exists for servers whose streaming is broken; no time to first token then. */
  stream?: boolean;
  maxTokens?: number;
}

export class OpenAiGenerator implements AnswerGenerator {
  readonly mode = 'llm' as const;
  readonly model: string;
  private readonly options: OpenAiGeneratorOptions;
  private readonly stream: boolean;
  private readonly maxTokens: number;
  /** One client per monitor it records on (the service has one; tests make their own). */
  private readonly clients = new WeakMap<PerformanceMonitor, OpenAI>();

  constructor(options: OpenAiGeneratorOptions) {
    this.options = options;
    this.model = options.model ?? 'gpt-4o-mini';
    this.stream = options.stream ?? true;
    this.maxTokens = options.maxTokens ?? 300;
  }

  /** The generator configured by OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL / OPENAI_STREAM, if any. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): OpenAiGenerator | undefined {
    const baseURL = env.OPENAI_BASE_URL?.trim();
    if (!baseURL) return undefined;
    return new OpenAiGenerator({
      baseURL,
      apiKey: env.OPENAI_API_KEY,
      model: env.OPENAI_MODEL?.trim() || undefined,
      stream: !/^(0|false|no)$/i.test(env.OPENAI_STREAM ?? ''),
    });
  }

  private clientFor(monitor: PerformanceMonitor): OpenAI {
    let client = this.clients.get(monitor);
    if (client === undefined) {
      // Local OpenAI-compatible servers often need no key, but the client insists on one.
      // Retries would hide the latency we are here to measure; the pipeline owns the deadline.
      client = wrapOpenAI(new OpenAI({ baseURL: this.options.baseURL, apiKey: this.options.apiKey || 'unused', maxRetries: 0 }), { monitor });
      this.clients.set(monitor, client);
    }
    return client;
  }

  /** The call is the llm_inference operation: @ragmeter/openai records its usage, time to first token and failure. */
  async generate(monitor: PerformanceMonitor, question: string, contexts: readonly RankedHit[], signal: AbortSignal): Promise<string> {
    const client = this.clientFor(monitor);
    const request = { model: this.model, messages: buildMessages(question, contexts), max_tokens: this.maxTokens, temperature: 0.2 };
    if (!this.stream) {
      const completion = await client.chat.completions.create({ ...request, stream: false }, { signal });
      return (completion.choices[0]?.message?.content ?? '').trim();
    }
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }, { signal });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return text.trim();
  }
}

export class ExtractiveGenerator implements AnswerGenerator {
  readonly mode = 'extractive' as const;
  readonly model = 'extractive';
  private readonly maxSentences: number;

  constructor(maxSentences = 2) {
    this.maxSentences = maxSentences;
  }

  async generate(monitor: PerformanceMonitor, question: string, contexts: readonly RankedHit[]): Promise<string> {
    return monitor.track(OperationType.LLM_INFERENCE, llmAttributes(this), (op) => {
      const answer = extractAnswer(question, contexts, this.maxSentences);
      // What a model would have read and written, counted with the monitor's tokenizer.
      op.setTokens({
        input: monitor.countTokens(messagesText(buildMessages(question, contexts))),
        output: monitor.countTokens(answer),
      });
      return answer;
    });
  }
}

/**
 * The sentences of the reranked chunks that contain the most distinct question terms (ties go
 * to the better-ranked chunk), in rank order, each followed by its source number.
 */
export function extractAnswer(question: string, contexts: readonly RankedHit[], maxSentences = 2): string {
  const wanted = new Set(terms(question));
  const candidates = contexts.flatMap((hit, rank) =>
    splitSentences(hit.chunk.text)
      .filter((sentence) => /[.!?]["')\]]?$/.test(sentence)) // headings are not answers
      .map((sentence, position) => ({
        sentence,
        rank,
        position,
        overlap: new Set(terms(sentence).filter((t) => wanted.has(t))).size,
      })),
  );
  const best = candidates
    .filter((c) => c.overlap > 0)
    .sort((a, b) => b.overlap - a.overlap || a.rank - b.rank || a.position - b.position)
    .slice(0, maxSentences)
    .sort((a, b) => a.rank - b.rank || a.position - b.position);
  if (best.length === 0) return 'The retrieved passages do not answer this question.';
  return best.map((c) => `${c.sentence} [${c.rank + 1}]`).join(' ');
}

export interface LlmCallOptions {
  /** Deadline for the whole answer, including the stream. */
  timeoutMs: number;
  /** Demo fault injection: the upstream hangs and the deadline (capped at 1.5 s) expires. */
  injectTimeout?: boolean;
}

/** How long an injected hang lasts before it times out: long enough to show in the tail, short enough for a demo. */
export const INJECTED_TIMEOUT_MS = 1500;

const llmAttributes = (generator: AnswerGenerator) => ({
  'gen_ai.request.model': generator.model,
  'gen_ai.operation.name': 'chat',
  'rag.llm.mode': generator.mode,
});

/** Answers (an LLM_INFERENCE operation, recorded by the generator), bounded by a deadline. */
export async function generateAnswer(
  monitor: PerformanceMonitor,
  generator: AnswerGenerator,
  question: string,
  contexts: readonly RankedHit[],
  options: LlmCallOptions,
): Promise<string> {
  if (options.injectTimeout) {
    // No call is made, so the operation is recorded here: a hang until the deadline.
    return monitor.track(OperationType.LLM_INFERENCE, { ...llmAttributes(generator), 'rag.demo.fault': 'llm_timeout' }, async () => {
      const deadline = Math.min(options.timeoutMs, INJECTED_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, deadline));
      throw new LlmTimeoutError(`LLM gave no answer within ${deadline} ms (injected fault: simulated upstream hang)`);
    });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await generator.generate(monitor, question, contexts, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new LlmTimeoutError(`LLM gave no answer within ${options.timeoutMs} ms`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
