import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import { chunkHasOutput, messagesText, readResult, requestAttributes } from '../src/model-run';

describe('requestAttributes', () => {
  it('prefers the invocation parameters, then the ls_* metadata', () => {
    expect(requestAttributes('chat', { invocation_params: { model: 'gpt-x', temperature: 0, max_tokens: 64 } }, { ls_model_name: 'other', ls_provider: 'openai' })).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.max_tokens': 64,
    });
    expect(requestAttributes('llm', {}, { ls_model_name: 'claude-y', ls_temperature: 0.5, ls_max_tokens: 10 })).toEqual({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.request.model': 'claude-y',
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.max_tokens': 10,
    });
  });

  it('leaves out what is missing or of the wrong kind', () => {
    expect(requestAttributes('chat', { invocation_params: { model: 7, temperature: 'hot' } }, null)).toEqual({ 'gen_ai.operation.name': 'chat' });
    expect(requestAttributes('chat', undefined, undefined)).toEqual({ 'gen_ai.operation.name': 'chat' });
  });
});

it('messagesText gives one role: text line per message, content blocks joined', () => {
  const messages = [
    new SystemMessage('Be brief.'),
    new HumanMessage({ content: [{ type: 'text', text: 'Hello ' }, { type: 'image_url', image_url: 'x' }, { type: 'text', text: 'there' }] }),
  ];
  expect(messagesText(messages)).toEqual(['system: Be brief.', 'human: Hello there']);
  expect(messagesText('not a list')).toEqual([]);
});

describe('readResult', () => {
  it('takes usage_metadata of the first message that has it, with response model and finish reasons', () => {
    const message = new AIMessage({
      content: 'Paris.',
      usage_metadata: { input_tokens: 12, output_tokens: 2, total_tokens: 14 },
      response_metadata: { model_name: 'gpt-x-2026', finish_reason: 'stop' },
    });
    expect(readResult({ generations: [[{ text: 'Paris.', message }]], llmOutput: { tokenUsage: { promptTokens: 99 } } })).toEqual({
      usage: { input_tokens: 12, output_tokens: 2, total_tokens: 14 },
      text: ['Paris.'],
      responseModel: 'gpt-x-2026',
      finishReasons: ['stop'],
    });
  });

  it('falls back to llmOutput.tokenUsage, then to a provider usage object', () => {
    expect(readResult({ generations: [[{ text: 'a' }]], llmOutput: { tokenUsage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 } } }).usage).toEqual({
      input_tokens: 5,
      output_tokens: 1,
      total_tokens: 6,
    });
    expect(readResult({ generations: [], llmOutput: { usage: { input_tokens: 8, output_tokens: 3 }, model: 'claude-z' } })).toMatchObject({
      usage: { input_tokens: 8, output_tokens: 3 },
      responseModel: 'claude-z',
    });
    expect(readResult({ generations: [[{ text: 'a', generationInfo: { finish_reason: 'length' } }]] })).toMatchObject({ usage: undefined, finishReasons: ['length'] });
  });

  it('counts tool-call arguments as generated output', () => {
    const message = new AIMessage({ content: '', tool_calls: [{ id: '1', name: 'lookup', args: { city: 'Paris' } }] });
    expect(readResult({ generations: [[{ text: '', message }]] }).text).toEqual(['{"city":"Paris"}']);
  });

  it('reads nothing from what is not an LLMResult', () => {
    for (const output of [undefined, null, 'x', { generations: 'x' }, { generations: [[null, 'x']] }]) {
      expect(readResult(output)).toEqual({ usage: undefined, text: [], responseModel: undefined, finishReasons: undefined });
    }
  });
});

describe('chunkHasOutput', () => {
  it('is true for text, and for a chunk carrying tool-call arguments', () => {
    expect(chunkHasOutput('P', undefined)).toBe(true);
    expect(chunkHasOutput('', undefined)).toBe(false);
    const toolChunk = new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({ content: '', tool_call_chunks: [{ name: 'lookup', args: '', id: '1', index: 0 }] }),
    });
    expect(chunkHasOutput('', { chunk: toolChunk })).toBe(true);
    const roleOnly = new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '' }) });
    expect(chunkHasOutput('', { chunk: roleOnly })).toBe(false);
  });
});
