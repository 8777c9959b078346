import { chunkText, contentText, messagesText, modelOf, queryText, responseText, usageOf } from '../src/payloads';

describe('reading LlamaIndex payloads by shape', () => {
  it('message content: strings, and the text parts of multi-part content', () => {
    expect(contentText('hi')).toBe('hi');
    expect(contentText([{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'b' }])).toBe('ab');
    expect(contentText(undefined)).toBe('');
    expect(messagesText([{ role: 'user', content: 'q' }, null, { role: 'system', content: [{ type: 'text', text: 's' }] }])).toEqual(['q', '', 's']);
    expect(messagesText('not messages')).toEqual([]);
  });

  it('responses and chunks: chat and completion shapes', () => {
    expect(responseText({ message: { role: 'assistant', content: 'yes' } })).toBe('yes');
    expect(responseText({ text: 'done', raw: null })).toBe('done');
    expect(responseText(undefined)).toBeUndefined();
    expect(chunkText({ delta: 'd' })).toBe('d');
    expect(chunkText({ text: 't' })).toBe('t');
    expect(chunkText({ delta: 5 })).toBe('');
  });

  it("usage: the provider's payload, a stream's last chunk with usage, Gemini's usageMetadata", () => {
    expect(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).toEqual({ prompt_tokens: 3, completion_tokens: 4 });
    const chunks = [{ delta: 'a', raw: {} }, { delta: '', raw: { usage: { input_tokens: 9, output_tokens: 2 } } }, { delta: '', raw: null }];
    expect(usageOf(chunks)).toEqual({ input_tokens: 9, output_tokens: 2 });
    expect(usageOf({ usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 11 } })).toEqual({
      input_tokens: 5,
      output_tokens: 6,
      total_tokens: 11,
    });
    expect(usageOf({ usageMetadata: { promptTokenCount: 500, candidatesTokenCount: 6, cachedContentTokenCount: 400 } })).toEqual({
      input_tokens: 500,
      output_tokens: 6,
      total_tokens: undefined,
      input_tokens_details: { cached_tokens: 400 },
    });
    expect(usageOf([])).toBeUndefined();
    expect(usageOf(null)).toBeUndefined();
  });

  it('model names; a throwing getter gives none', () => {
    expect(modelOf({ metadata: { model: 'gpt-x' } })).toBe('gpt-x');
    const callable = Object.assign(() => undefined, { model: 'embed-y' });
    expect(modelOf(callable)).toBe('embed-y');
    expect(modelOf({ modelName: 'z' })).toBe('z');
    expect(modelOf({ get metadata(): never { throw new Error('no'); } })).toBeUndefined();
  });

  it('query text: strings and query bundles', () => {
    expect(queryText('q')).toBe('q');
    expect(queryText({ query: 'b' })).toBe('b');
    expect(queryText({ query: [{ type: 'text', text: 'p' }] })).toBe('p');
    expect(queryText(3)).toBeUndefined();
  });
});
