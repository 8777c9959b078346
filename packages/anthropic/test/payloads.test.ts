import { ResponseState, inputLength, inputTexts, promptText, readEvent, readMessage, requestAttributes, serverAttributes } from '../src/payloads';

// The payload readers on small cases, including shapes a proxy or a compatible server may send
// (missing fields, nulls, content blocks of every kind).

describe('serverAttributes', () => {
  it('takes host and port from the base URL, with the scheme’s default port', () => {
    expect(serverAttributes('https://api.anthropic.com')).toEqual({ 'server.address': 'api.anthropic.com', 'server.port': 443 });
    expect(serverAttributes('http://localhost:4000')).toEqual({ 'server.address': 'localhost', 'server.port': 4000 });
  });

  it('gives nothing for what is not a URL', () => {
    expect(serverAttributes(undefined)).toEqual({});
    expect(serverAttributes('not a url')).toEqual({});
  });
});

describe('requestAttributes', () => {
  const base = Object.freeze({ 'gen_ai.operation.name': 'chat' });

  it('keeps zero-valued parameters and the base attributes', () => {
    expect(requestAttributes({ model: 'm', max_tokens: 0, temperature: 0, top_p: 0, top_k: 0 }, base)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.request.max_tokens': 0,
      'gen_ai.request.temperature': 0,
      'gen_ai.request.top_p': 0,
      'gen_ai.request.top_k': 0,
    });
  });

  it('gives stop sequences as a list, only when all are text', () => {
    expect(requestAttributes({ stop_sequences: ['a', 'b'] }, base)).toEqual({ ...base, 'gen_ai.request.stop_sequences': ['a', 'b'] });
    expect(requestAttributes({ stop_sequences: [] }, base)).toEqual(base);
    expect(requestAttributes({ stop_sequences: ['a', 1] }, base)).toEqual(base);
  });

  it('ignores values of the wrong type and bodies that are not objects', () => {
    expect(requestAttributes({ model: 3, temperature: '0.5', max_tokens: null }, base)).toEqual(base);
    expect(requestAttributes(undefined, base)).toEqual(base);
  });
});

describe('input text', () => {
  const body = {
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'base64', data: 'xx' } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'lookup', input: { q: 'sky' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'blue' }] },
    ],
  };

  it('collects the system prompt and the text of every kind of block; images give none', () => {
    expect(inputTexts(body, inputLength(body))).toEqual(['Be brief.', 'Look:', 'lookup', '{"q":"sky"}', 'blue']);
    expect(inputTexts({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }, 1)).toEqual(['Be brief.', 'Hi']);
  });

  it('reads only the messages the request held when it was made', () => {
    expect(inputTexts(body, 1)).toEqual(['Be brief.', 'Look:']);
  });

  it('writes the prompt as one role: text line per message, the system prompt first', () => {
    expect(promptText(body, 1)).toBe('system: Be brief.\nuser: Look:');
    expect(promptText({ messages: [{ content: 'Hi' }, null] }, 2)).toBe('user: Hi');
    expect(promptText({ messages: [] }, 0)).toBeUndefined();
  });
});

describe('readEvent', () => {
  it('takes model, id and input usage from message_start, which is no generated output', () => {
    const state = new ResponseState();
    const start = { type: 'message_start', message: { id: 'msg', model: 'm', usage: { input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 1 } } };
    expect(readEvent(start, state)).toBe(false);
    expect(state).toMatchObject({ id: 'msg', model: 'm' });
    expect(state.inputTokens()).toBe(10);
    expect(state.outputTokens()).toBeUndefined(); // message_start's output count is a placeholder
  });

  it('does not count an empty block start, a ping or an empty delta as generated output', () => {
    const state = new ResponseState();
    expect(readEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, state)).toBe(false);
    expect(readEvent({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } }, state)).toBe(false);
    expect(readEvent({ type: 'ping' }, state)).toBe(false);
    expect(readEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '' } }, state)).toBe(false);
    expect(readEvent({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'x' } }, state)).toBe(false);
    expect(state.text).toEqual([]);
  });

  it('counts text, thinking and tool-input deltas as generated output', () => {
    const state = new ResponseState();
    expect(readEvent({ type: 'content_block_delta', delta: { type: 'thinking_delta', thinking: 'hm' } }, state)).toBe(true);
    expect(readEvent({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } }, state)).toBe(true);
    expect(readEvent({ type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{"a"' } }, state)).toBe(true);
    expect(state.text).toEqual(['Hi']);
    expect(state.other).toEqual(['hm', '{"a"']);
  });

  it('takes the stop reason and final output tokens from message_delta; later counts win', () => {
    const state = new ResponseState();
    readEvent({ type: 'message_start', message: { usage: { input_tokens: 7, output_tokens: 1 } } }, state);
    readEvent({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 12, input_tokens: 9 } }, state);
    expect(state).toMatchObject({ stopReason: 'max_tokens' });
    expect(state.inputTokens()).toBe(9);
    expect(state.outputTokens()).toBe(12);
  });

  it('passes over what is not an event, and ignores null and negative counts', () => {
    const state = new ResponseState();
    for (const odd of [null, 'x', 3, { type: 'content_block_delta', delta: null }, { type: 'message_start', message: null }, { type: 'message_delta' }]) {
      expect(readEvent(odd, state)).toBe(false);
    }
    readEvent({ type: 'message_delta', usage: { output_tokens: -1, input_tokens: null } }, state);
    expect(state.outputTokens()).toBeUndefined();
    expect(state.inputTokens()).toBeUndefined();
  });
});

describe('readMessage', () => {
  it('reads a message: id, model, stop reason, usage with cache counts, text and other output', () => {
    const state = new ResponseState();
    readMessage(
      {
        id: 'msg',
        model: 'm',
        stop_reason: 'tool_use',
        content: [
          { type: 'thinking', thinking: 'Let me look.' },
          { type: 'text', text: 'Looking it up.' },
          { type: 'tool_use', id: 't', name: 'lookup', input: { q: 'sky' } },
        ],
        usage: { input_tokens: 5, output_tokens: 9, cache_creation_input_tokens: 100, cache_read_input_tokens: null },
      },
      state,
    );
    expect(state).toMatchObject({ id: 'msg', model: 'm', stopReason: 'tool_use', text: ['Looking it up.'] });
    expect(state.other).toEqual(['Let me look.', 'lookup', '{"q":"sky"}']);
    expect(state.usage).toEqual({ input: 5, output: 9, cacheCreation: 100 });
    expect(state.inputTokens()).toBe(105);
    expect(state.outputTokens()).toBe(9);
  });

  it('gives no token counts for a message without usage', () => {
    const state = new ResponseState();
    readMessage({ content: 'not a list' }, state);
    expect(state.inputTokens()).toBeUndefined();
    expect(state.outputTokens()).toBeUndefined();
  });
});
