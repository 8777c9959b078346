/**
 * Local stand-ins for a provider's models, built the way LlamaIndex's own provider packages
 * build theirs: an LLM subclassing `BaseLLM` whose `chat()` carries LlamaIndex's
 * `@wrapEventCaller @wrapLLMEvent` decorators (so it dispatches llm-start / llm-stream /
 * llm-end), and an embedding model subclassing `BaseEmbedding`. They answer from a script
 * instead of the network.
 */
import { wrapEventCaller, wrapLLMEvent } from '@llamaindex/core/decorator';
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import {
  BaseLLM,
  type ChatMessage,
  type ChatResponse,
  type ChatResponseChunk,
  type LLMChatParamsNonStreaming,
  type LLMChatParamsStreaming,
  type LLMMetadata,
} from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import type { MessageContent } from '@llamaindex/core/llms';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { setTimeout as sleep } from 'node:timers/promises';

/** One scripted answer: the text in parts (one stream chunk each), the usage the "provider" reports. */
export interface Answer {
  parts: string[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Thrown by chat() before answering. */
  error?: Error;
  /** Thrown by the stream after the first part. */
  streamError?: Error;
  /** Milliseconds before the first part and between parts. */
  delayMs?: number;
}

/** An HTTP-ish error as providers throw them. */
export class RateLimitError extends Error {
  readonly status = 429;
  constructor() {
    super('429 Rate limit reached');
    this.name = 'RateLimitError';
  }
}

// The decorators' declared types are tied to LlamaIndex's overloads; applied as LlamaIndex's
// provider packages apply them.
type MethodDecorator = (method: (...args: never[]) => unknown, context: ClassMethodDecoratorContext) => void;
const eventCaller = wrapEventCaller as unknown as MethodDecorator;
const llmEvent = wrapLLMEvent as unknown as MethodDecorator;

export class ScriptedLLM extends BaseLLM {
  readonly answers: Answer[] = [];
  readonly calls: ChatMessage[][] = [];
  metadata: LLMMetadata = {
    model: 'scripted-1',
    temperature: 0,
    topP: 1,
    contextWindow: 8192,
    tokenizer: undefined,
    structuredOutput: false,
  };

  say(...answers: Answer[]): this {
    this.answers.push(...answers);
    return this;
  }

  chat(params: LLMChatParamsStreaming): Promise<AsyncIterable<ChatResponseChunk>>;
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  @eventCaller
  @llmEvent
  async chat(params: LLMChatParamsStreaming | LLMChatParamsNonStreaming): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse> {
    this.calls.push(params.messages);
    const answer = this.answers.shift() ?? { parts: ['(no answer scripted)'] };
    if (answer.delayMs) await sleep(answer.delayMs);
    if (answer.error) throw answer.error;
    const raw = answer.usage === undefined ? {} : { usage: answer.usage };
    if (!params.stream) {
      return { message: { role: 'assistant', content: answer.parts.join('') }, raw };
    }
    return (async function* () {
      yield { delta: '', raw: { choices: [{ delta: { role: 'assistant' } }] } }; // the empty opening chunk
      for (const [i, part] of answer.parts.entries()) {
        if (i > 0 && answer.delayMs) await sleep(answer.delayMs);
        if (i > 0 && answer.streamError) throw answer.streamError;
        yield { delta: part, raw: {} };
      }
      yield { delta: '', raw }; // providers report usage on a last, empty chunk
    })();
  }
}

/** A bag-of-letters embedding: similar texts get similar vectors, deterministically. */
export class LetterEmbedding extends BaseEmbedding {
  readonly model = 'letters-26';
  embedded = 0;
  failNext: Error | undefined;

  constructor() {
    super();
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    await sleep(1);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.embedded++;
    const v = new Array<number>(26).fill(0);
    for (const c of text.toLowerCase()) {
      const i = c.charCodeAt(0) - 97;
      if (i >= 0 && i < 26) v[i]! += 1;
    }
    return v;
  }
}

/** A reranker that keeps the `keep` nodes whose text shares most words with the query. */
export class WordOverlapReranker implements BaseNodePostprocessor {
  constructor(readonly keep = 1) {}

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    await sleep(1);
    const words = new Set(String(query ?? '').toLowerCase().split(/\W+/));
    const score = (n: NodeWithScore) => n.node.getContent(MetadataMode.NONE).toLowerCase().split(/\W+/).filter((w) => words.has(w)).length;
    return [...nodes].sort((a, b) => score(b) - score(a)).slice(0, this.keep);
  }
}
