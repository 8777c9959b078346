// A local server on loopback that answers the LLM HTTP APIs the integrations' quick starts call,
// so that they run with no network and no key: OpenAI chat completions, responses and
// embeddings (plain and streamed) under /v1, and Anthropic messages (plain and streamed) under
// /v1/messages. Every answer carries token usage. Quick starts reach it through the clients'
// own environment variables (see env()).
import { createServer } from 'node:http';

const ANSWER = ['A reranker', ' re-orders retrieved passages', ' by relevance.'];
const USAGE = { input: 18, output: 7 };

export async function startFakeLlm() {
  const requests = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body = {};
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        // answered below as a bad request
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ method: req.method, path });
      const answer = route(path, body);
      if (answer === undefined) return json(res, 404, { error: { message: `no fake for ${path}`, type: 'not_found' } });
      if (body.stream === true) return sse(res, answer.events);
      json(res, 200, answer.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    requests,
    /** The variables the OpenAI and Anthropic clients read their endpoint and key from. */
    env: () => ({
      OPENAI_BASE_URL: `${origin}/v1`,
      OPENAI_API_KEY: 'sk-compat',
      ANTHROPIC_BASE_URL: origin,
      ANTHROPIC_API_KEY: 'sk-ant-compat',
    }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function route(path, body) {
  const model = typeof body.model === 'string' ? body.model : 'compat-model';
  if (path.endsWith('/chat/completions')) return chat(model);
  if (path.endsWith('/responses')) return responses(model);
  if (path.endsWith('/embeddings')) return embeddings(model, body.input);
  if (path.endsWith('/messages')) return messages(model);
  return undefined;
}

function chat(model) {
  const base = { id: 'chatcmpl-compat', created: 0, model };
  const usage = { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output };
  const chunk = (choices, extra = {}) => ({ data: { ...base, object: 'chat.completion.chunk', choices, ...extra } });
  return {
    body: {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: ANSWER.join(''), refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage,
    },
    events: [
      ...ANSWER.map((content, i) => chunk([{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: null }])),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      chunk([], { usage }),
      { data: '[DONE]' },
    ],
  };
}

function responses(model) {
  const text = ANSWER.join('');
  const response = (status, output) => ({
    id: 'resp_compat',
    object: 'response',
    created_at: 0,
    status,
    model,
    output,
    usage: { input_tokens: USAGE.input, output_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
  });
  const message = { type: 'message', id: 'msg_compat', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const done = response('completed', [message]);
  return {
    body: done,
    events: [
      { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: { ...response('in_progress', []), usage: null } } },
      ...ANSWER.map((delta, i) => ({
        event: 'response.output_text.delta',
        data: { type: 'response.output_text.delta', sequence_number: i + 1, item_id: 'msg_compat', output_index: 0, content_index: 0, delta },
      })),
      { event: 'response.completed', data: { type: 'response.completed', sequence_number: ANSWER.length + 1, response: done } },
    ],
  };
}

function embeddings(model, input) {
  const inputs = Array.isArray(input) ? input : [input];
  return {
    body: {
      object: 'list',
      model,
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
      usage: { prompt_tokens: 4 * inputs.length, total_tokens: 4 * inputs.length },
    },
    events: [],
  };
}

function messages(model) {
  const message = { id: 'msg_compat', type: 'message', role: 'assistant', model, stop_sequence: null };
  const event = (type, data) => ({ event: type, data: { type, ...data } });
  return {
    body: {
      ...message,
      content: [{ type: 'text', text: ANSWER.join('') }],
      stop_reason: 'end_turn',
      usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
    },
    events: [
      event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: USAGE.input, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ...ANSWER.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: USAGE.output } }),
      event('message_stop', {}),
    ],
  };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sse(res, events) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const { event, data } of events) {
    if (event !== undefined) res.write(`event: ${event}\n`);
    res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  res.end();
}
