import { AIMessage, AIMessageChunk, type BaseMessage, type InputTokenDetails } from '@langchain/core/messages';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { LangSmithParams } from '@langchain/core/language_models/chat_models';
import { ChatGenerationChunk, type ChatResult, type LLMResult } from '@langchain/core/outputs';
import { FakeListChatModel, FakeLLM } from '@langchain/core/utils/testing';

// LangChain's own test doubles report no usage and no model name. These subclasses add what a
// provider package adds (usage_metadata on the message, llmOutput.tokenUsage, invocation
// parameters, ls_model_name), through the same base classes and callback plumbing.

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  input_token_details?: InputTokenDetails;
}

/** FakeListChatModel whose messages carry `usage_metadata`, as provider chat models do. */
export class UsageChatModel extends FakeListChatModel {
  constructor(
    fields: ConstructorParameters<typeof FakeListChatModel>[0] & {
      usage: Usage;
      model?: string;
      lsModelName?: string;
    },
  ) {
    super(fields);
    this.usage = fields.usage;
    this.model = fields.model;
    this.lsModelName = fields.lsModelName;
  }

  usage: Usage;
  model: string | undefined;
  lsModelName: string | undefined;

  override invocationParams(): Record<string, unknown> {
    return this.model === undefined ? {} : { model: this.model, temperature: 0.2 };
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    const params = super.getLsParams(options);
    return this.lsModelName === undefined ? params : { ...params, ls_model_name: this.lsModelName, ls_provider: 'fakeai' };
  }

  private usageMetadata() {
    return { ...this.usage, total_tokens: this.usage.input_tokens + this.usage.output_tokens };
  }

  override async _generate(messages: BaseMessage[], options?: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const result = await super._generate(messages, options, runManager);
    const text = result.generations[0]!.text;
    result.generations[0]!.message = new AIMessage({
      content: text,
      usage_metadata: this.usageMetadata(),
      response_metadata: { model_name: `${this.model ?? 'fake'}-2026`, finish_reason: 'stop' },
    });
    return result;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    yield* super._streamResponseChunks(messages, options, runManager);
    // Providers report usage on a last chunk with no content.
    yield new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '', usage_metadata: this.usageMetadata() }) });
  }
}

/** FakeLLM (a text-completion model) whose result carries `llmOutput.tokenUsage`. */
export class TokenUsageLLM extends FakeLLM {
  constructor(
    fields: ConstructorParameters<typeof FakeLLM>[0],
    readonly tokenUsage: { promptTokens: number; completionTokens: number },
  ) {
    super(fields);
  }

  override async _generate(prompts: string[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<LLMResult> {
    const result = await super._generate(prompts, options, runManager);
    return { ...result, llmOutput: { tokenUsage: { ...this.tokenUsage, totalTokens: this.tokenUsage.promptTokens + this.tokenUsage.completionTokens } } };
  }
}
