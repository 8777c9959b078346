import {
  completionText,
  contentError,
  embeddingTokens,
  languageModelTokens,
  modelAttributes,
  promptText,
  responseAttributes,
  serverAttributes,
  timeToFirstOutputSeconds,
} from '../src/events';

// The event readers on their own: what they take from well-formed events, and that odd values
// (missing, of another type, negative, NaN) give nothing rather than a wrong number or a throw.

describe('modelAttributes', () => {
  it('takes provider, model and operation id, and only non-empty strings', () => {
    expect(modelAttributes({ provider: 'openai.chat', modelId: 'gpt-x', operationId: 'ai.streamText' }, 'chat')).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai.chat',
      'gen_ai.request.model': 'gpt-x',
      'ai.operation.id': 'ai.streamText',
    });
    expect(modelAttributes({ provider: '', modelId: 42 }, undefined)).toEqual({});
  });
});

describe('languageModelTokens', () => {
  it('reads input, output and total counts', () => {
    expect(languageModelTokens({ inputTokens: 3, outputTokens: 4, totalTokens: 7 })).toEqual({ input: 3, output: 4, total: 7 });
  });

  it('reads prompt-cache reads and writes, part of the input', () => {
    const usage = { inputTokens: 1150, outputTokens: 10, inputTokenDetails: { noCacheTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 50 } };
    expect(languageModelTokens(usage)).toEqual({ input: 1150, output: 10, cachedInput: 1000, cacheWriteInput: 50 });
    // without an input count, the details have nothing to be part of
    expect(languageModelTokens({ outputTokens: 1, inputTokenDetails: { cacheReadTokens: 5 } })).toEqual({ output: 1 });
  });

  it('leaves out what is missing or not a count', () => {
    expect(languageModelTokens({ inputTokens: undefined, outputTokens: -1, totalTokens: NaN })).toEqual({});
    expect(languageModelTokens({ inputTokens: 3, inputTokenDetails: { cacheReadTokens: -1, cacheWriteTokens: '2' } })).toEqual({ input: 3 });
    expect(languageModelTokens(undefined)).toEqual({});
    expect(languageModelTokens('12')).toEqual({});
  });
});

it('embeddingTokens reads usage.tokens, not the NaN the SDK puts when a provider reports none', () => {
  expect(embeddingTokens({ tokens: 9 })).toBe(9);
  expect(embeddingTokens({ tokens: NaN })).toBeUndefined();
  expect(embeddingTokens(null)).toBeUndefined();
});

describe('timeToFirstOutputSeconds', () => {
  it('converts the milliseconds of a streamed text or object call', () => {
    expect(timeToFirstOutputSeconds({ performance: { timeToFirstOutputMs: 250 } })).toBe(0.25);
    expect(timeToFirstOutputSeconds({ msToFirstChunk: 40 })).toBe(0.04);
  });

  it('gives nothing for calls that did not stream', () => {
    expect(timeToFirstOutputSeconds({ performance: { timeToFirstOutputMs: undefined } })).toBeUndefined();
    expect(timeToFirstOutputSeconds({ msToFirstChunk: undefined })).toBeUndefined();
    expect(timeToFirstOutputSeconds({})).toBeUndefined();
  });
});

describe('responseAttributes', () => {
  it('takes model, id, finish reason and the server', () => {
    const event = { finishReason: 'length', usage: { inputTokenDetails: { cacheReadTokens: 5 } }, request: { url: 'https://api.example.com' } };
    expect(responseAttributes(event, 'gpt-x-2026', 'resp-9')).toEqual({
      'gen_ai.response.model': 'gpt-x-2026',
      'gen_ai.response.id': 'resp-9',
      'gen_ai.response.finish_reasons': ['length'],
      'server.address': 'api.example.com',
      'server.port': 443,
    });
  });

  it('gives nothing for a bare event', () => {
    expect(responseAttributes({}, undefined, '')).toEqual({});
  });
});

it('serverAttributes reads host and port, and nothing from what is not a URL', () => {
  expect(serverAttributes('http://127.0.0.1:8080')).toEqual({ 'server.address': '127.0.0.1', 'server.port': 8080 });
  expect(serverAttributes('http://localhost')).toEqual({ 'server.address': 'localhost', 'server.port': 80 });
  expect(serverAttributes('not a url')).toEqual({});
});

describe('text of a call', () => {
  it('promptText joins instructions and the text parts of messages, in order', () => {
    const messages = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: [{ type: 'text', text: 'second' }, { type: 'tool-call', toolName: 'x' }] },
      { role: 'user', content: [{ type: 'image', image: 'data' }] },
    ];
    expect(promptText('be brief', messages)).toEqual(['be brief', 'first', 'second']);
    expect(promptText([{ role: 'system', content: 'a' }, 'b'], undefined)).toEqual(['a', 'b']);
    expect(promptText(undefined, 'not messages')).toEqual([]);
  });

  it('completionText takes text parts, or the raw object text', () => {
    expect(completionText({ content: [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'Blue.' }] })).toEqual(['Blue.']);
    expect(completionText({ objectText: '{"a":1}' })).toEqual(['{"a":1}']);
    expect(completionText({})).toEqual([]);
  });

  it('contentError finds the error part of a step', () => {
    const error = new Error('x');
    expect(contentError([{ type: 'text', text: 'a' }, { type: 'error', error }])).toBe(error);
    expect(contentError([{ type: 'text', text: 'a' }])).toBeUndefined();
    expect(contentError(undefined)).toBeUndefined();
  });
});
