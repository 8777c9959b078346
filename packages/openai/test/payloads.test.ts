import {
  ResponseState,
  inputLength,
  inputTexts,
  inputTokenIds,
  promptText,
  readBody,
  readChatChunk,
  readResponseEvent,
  requestAttributes,
  serverAttributes,
} from '../src/payloads';

// The payload readers on small cases, including the shapes OpenAI-compatible servers send
// (missing fields, nulls, content parts, token-id inputs).

describe('serverAttributes', () => {
  it('takes host and port from the base URL, with the scheme’s default port', () => {
    expect(serverAttributes('https://api.openai.com/v1')).toEqual({ 'server.address': 'api.openai.com', 'server.port': 443 });
    expect(serverAttributes('http://localhost:11434/v1')).toEqual({ 'server.address': 'localhost', 'server.port': 11434 });
  });

  it('gives nothing for what is not a URL', () => {
    expect(serverAttributes(undefined)).toEqual({});
    expect(serverAttributes('not a url')).toEqual({});
  });
});

describe('requestAttributes', () => {
  const base = Object.freeze({ 'gen_ai.operation.name': 'chat' });

  it('keeps zero-valued parameters and the base attributes', () => {
    expect(
      requestAttributes('chat', { model: 'm', temperature: 0, top_p: 0, frequency_penalty: 0, presence_penalty: 0, seed: 0 }, base),
    ).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.top_p': 0,
      'gen_ai.request.frequency_penalty': 0,
      'gen_ai.request.presence_penalty': 0,
      'gen_ai.request.seed': 0,
    });
  });

  it('reads max tokens where each API puts it', () => {
    expect(requestAttributes('chat', { max_tokens: 5 }, base)['gen_ai.request.max_tokens']).toBe(5);
    expect(requestAttributes('chat', { max_completion_tokens: 7, max_tokens: 5 }, base)['gen_ai.request.max_tokens']).toBe(7);
    expect(requestAttributes('responses', { max_output_tokens: 9, max_tokens: 5 }, base)['gen_ai.request.max_tokens']).toBe(9);
  });

  it('gives stop sequences as a list and the choice count only when not 1', () => {
    expect(requestAttributes('chat', { stop: ['a', 'b'], n: 1 }, base)).toEqual({ ...base, 'gen_ai.request.stop_sequences': ['a', 'b'] });
    expect(requestAttributes('chat', { n: 3 }, base)['gen_ai.request.choice.count']).toBe(3);
  });

  it('reads the embedding parameters', () => {
    expect(requestAttributes('embeddings', { model: 'e', encoding_format: 'float', dimensions: 256, temperature: 1 }, base)).toEqual({
      ...base,
      'gen_ai.request.model': 'e',
      'gen_ai.request.encoding_formats': ['float'],
      'gen_ai.embeddings.dimension.count': 256,
    });
  });

  it('ignores values of the wrong type and bodies that are not objects', () => {
    expect(requestAttributes('chat', { model: 3, temperature: '0.5', stop: [1] }, base)).toEqual(base);
    expect(requestAttributes('chat', undefined, base)).toEqual(base);
  });
});

describe('input text', () => {
  const body = {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'x' } }] },
      { role: 'assistant', content: null, tool_calls: [] },
    ],
  };

  it('collects message contents, text parts only', () => {
    expect(inputTexts('chat', body, inputLength('chat', body))).toEqual(['Be brief.', 'Look:']);
    expect(promptText('chat', body, 3)).toBe('system: Be brief.\nuser: Look:');
  });

  it('reads only the messages the request held when it was made', () => {
    expect(inputTexts('chat', body, 1)).toEqual(['Be brief.']);
  });

  it('reads Responses API input and instructions', () => {
    expect(inputTexts('responses', { instructions: 'Be brief.', input: 'Hi' }, 0)).toEqual(['Be brief.', 'Hi']);
    const items = { input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }] };
    expect(inputTexts('responses', items, 1)).toEqual(['Hi']);
  });

  it('reads embedding inputs; token-id inputs are counted, not tokenized', () => {
    expect(inputTexts('embeddings', { input: ['a', 'b'] }, 2)).toEqual(['a', 'b']);
    expect(inputTokenIds({ input: [1, 2, 3] })).toBe(3);
    expect(inputTokenIds({ input: [[1, 2], [3]] })).toBe(3);
    expect(inputTokenIds({ input: ['a'] })).toBeUndefined();
  });
});

describe('readChatChunk', () => {
  const chunk = (delta: unknown, finish: string | null = null, extra = {}) => ({
    id: 'c',
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  });

  it('does not count the role chunk as generated output', () => {
    const state = new ResponseState();
    expect(readChatChunk(chunk({ role: 'assistant', content: '' }), state)).toBe(false);
    expect(state).toMatchObject({ id: 'c', model: 'm', text: [] });
  });

  it('counts content, refusals, reasoning and tool calls as generated output', () => {
    const state = new ResponseState();
    expect(readChatChunk(chunk({ content: 'Hi' }), state)).toBe(true);
    expect(readChatChunk(chunk({ refusal: 'No' }), state)).toBe(true);
    expect(readChatChunk(chunk({ reasoning_content: 'hm' }), state)).toBe(true);
    expect(readChatChunk(chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"a"' } }] }), state)).toBe(true);
    expect(state.text).toEqual(['Hi']);
    expect(state.other).toEqual(['No', 'hm', 'f', '{"a"']);
  });

  it('takes finish reasons and the usage chunk (choices empty); ignores usage: null', () => {
    const state = new ResponseState();
    readChatChunk(chunk({}, 'length', { usage: null }), state);
    expect(state.usage).toBeUndefined();
    readChatChunk({ id: 'c', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }, state);
    expect(state).toMatchObject({ finishReasons: ['length'], usage: { prompt_tokens: 3, completion_tokens: 2 } });
  });

  it('passes over what is not a chunk', () => {
    const state = new ResponseState();
    for (const odd of [null, 'x', { choices: null }, { choices: [null, { delta: null }] }]) expect(readChatChunk(odd, state)).toBe(false);
  });
});

describe('readResponseEvent', () => {
  it('takes the model early, the first text delta as generated output, the outcome at the end', () => {
    const state = new ResponseState();
    expect(readResponseEvent({ type: 'response.created', response: { id: 'r', model: 'm', status: 'in_progress', usage: null } }, state)).toBe(false);
    expect(state).toMatchObject({ id: 'r', model: 'm', finishReasons: undefined });
    expect(readResponseEvent({ type: 'response.output_text.delta', delta: '' }, state)).toBe(false);
    expect(readResponseEvent({ type: 'response.output_text.delta', delta: 'Hi' }, state)).toBe(true);
    expect(readResponseEvent({ type: 'response.function_call_arguments.delta', delta: '{}' }, state)).toBe(true);
    readResponseEvent(
      { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 1, output_tokens: 2 } } },
      state,
    );
    expect(state).toMatchObject({ text: ['Hi'], other: ['{}'], finishReasons: ['max_output_tokens'], usage: { input_tokens: 1 } });
    expect(state.failure).toBeUndefined();
  });

  it('notes a failed response and an error event', () => {
    const failed = new ResponseState();
    readResponseEvent({ type: 'response.failed', response: { status: 'failed', error: { message: 'overloaded' } } }, failed);
    expect(failed.failure).toBe('overloaded');
    const errored = new ResponseState();
    readResponseEvent({ type: 'error', code: 'x', message: 'bad' }, errored);
    expect(errored.failure).toBe('bad');
  });
});

describe('readBody', () => {
  it('reads a chat completion: reasons per choice, text, tool calls, cached tokens', () => {
    const state = new ResponseState();
    readBody(
      'chat',
      {
        id: 'c',
        model: 'm',
        choices: [
          { finish_reason: 'stop', message: { content: 'A' } },
          { finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] } },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } },
      },
      state,
    );
    expect(state).toMatchObject({ id: 'c', finishReasons: ['stop', 'tool_calls'], text: ['A'], other: ['f', '{}'] });
    expect(state.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } });
  });

  it('reads a response’s output items when output_text is absent', () => {
    const state = new ResponseState();
    readBody('responses', { status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'A' }] }] }, state);
    expect(state).toMatchObject({ text: ['A'], finishReasons: ['stop'] });
  });

  it('reads embedding dimensions from arrays and typed arrays', () => {
    const state = new ResponseState();
    readBody('embeddings', { data: [{ embedding: new Float32Array(3) }] }, state);
    expect(state.embeddingDimensions).toBe(3);
  });
});
