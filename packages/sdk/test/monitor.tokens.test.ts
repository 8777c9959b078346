import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { OperationType } from '../src/operation-type.js';
import { estimateTokens } from '../src/probes/tokens.js';
import { useMonitors, useSpanMonitors, useWarningSpy } from './helpers/monitors.js';
import { expectValidReport } from './helpers/report-schema.js';

const newMonitor = useMonitors();
const newSpanMonitor = useSpanMonitors();
useWarningSpy();

const PROMPT = 'Summarise the retrieved passages about exponential histograms in two sentences.';
const ANSWER = 'Exponential histograms bucket values on a log scale. Their relative error is bounded by the scale.';

async function tokensOf(monitor: ReturnType<typeof newMonitor>, type: string = OperationType.LLM_INFERENCE) {
  const s = await monitor.getOperationStats(type);
  return { input: s.inputTokens, output: s.outputTokens, total: s.totalTokens, avg: s.avgTokens };
}

describe('token counting in a monitor', () => {
  it('provider usage (OpenAI chat) is taken as reported', async () => {
    const monitor = newMonitor();
    monitor.track(OperationType.LLM_INFERENCE, (op) => {
      op.setUsage({ prompt_tokens: 812, completion_tokens: 64, total_tokens: 876 });
    });
    expect(await tokensOf(monitor)).toEqual({ input: 812, output: 64, total: 876, avg: 876 });
  });

  it('provider usage (Anthropic / OpenAI responses names)', async () => {
    const monitor = newMonitor();
    monitor.trackOperation(OperationType.LLM_INFERENCE).setUsage({ input_tokens: 30, output_tokens: 5 }).end();
    expect(await tokensOf(monitor)).toEqual({ input: 30, output: 5, total: 35, avg: 35 });
  });

  it('provider usage with only a total', async () => {
    const monitor = newMonitor();
    monitor.trackOperation(OperationType.EMBEDDING_GENERATION).setUsage({ total_tokens: 256 }).end();
    expect(await tokensOf(monitor, OperationType.EMBEDDING_GENERATION)).toEqual({ input: 0, output: 0, total: 256, avg: 256 });
  });

  it('provider usage comes first: text counting does not override it', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.LLM_INFERENCE);
    op.setUsage({ prompt_tokens: 11, completion_tokens: 22 });
    op.setTokensFromText({ input: PROMPT, output: ANSWER });
    op.end();
    expect(await tokensOf(monitor)).toEqual({ input: 11, output: 22, total: 33, avg: 33 });
  });

  it('without usage, text is counted with o200k_base by default', async () => {
    const monitor = newMonitor();
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: PROMPT, output: ANSWER }).end();
    const expected = { input: o200kCount(PROMPT), output: o200kCount(ANSWER) };
    const t = await tokensOf(monitor);
    expect({ input: t.input, output: t.output }).toEqual(expected);
    // and that is not what the 4-characters estimate would say
    expect(t.input + t.output).not.toBe(estimateTokens(PROMPT) + estimateTokens(ANSWER));
  });

  it('a batch of texts is counted as the sum', async () => {
    const monitor = newMonitor();
    const chunks = ['first chunk of a document', '', 'second chunk, a little longer than the first one'];
    monitor.trackOperation(OperationType.EMBEDDING_GENERATION).setTokensFromText({ input: chunks }).end();
    const t = await tokensOf(monitor, OperationType.EMBEDDING_GENERATION);
    expect(t.input).toBe(chunks.reduce((n, c) => n + o200kCount(c), 0));
    expect(t.output).toBe(0);
  });

  it('the ~4 characters per token estimate as a tokenCounter', async () => {
    const monitor = newMonitor({ tokenCounter: { count: estimateTokens } });
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: PROMPT, output: ANSWER }).end();
    const t = await tokensOf(monitor);
    expect([t.input, t.output]).toEqual([Math.ceil(PROMPT.length / 4), Math.ceil(ANSWER.length / 4)]);
  });

  it('a pluggable tokenCounter is used for every text', async () => {
    const count = jest.fn((text: string) => text.split(' ').length);
    const monitor = newMonitor({ tokenCounter: { count } });
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: ['a b c', 'd'], output: 'e f' }).end();
    expect(await tokensOf(monitor)).toEqual({ input: 4, output: 2, total: 6, avg: 6 });
    expect(count.mock.calls.map((c) => c[0]).sort()).toEqual(['a b c', 'd', 'e f']);
  });

  it('empty text counts 0 tokens', async () => {
    const monitor = newMonitor();
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: '', output: [] }).end();
    expect(await tokensOf(monitor)).toEqual({ input: 0, output: 0, total: 0, avg: 0 });
  });

  it('averages tokens over all operations of a type, including those without tokens', async () => {
    const monitor = newMonitor({ tracing: false });
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, tokens: 150 });
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1, inputTokens: 100, outputTokens: 50 });
    monitor.recordOperation({ type: OperationType.LLM_INFERENCE, durationSeconds: 1 });
    const t = await tokensOf(monitor);
    expect(t).toEqual({ input: 100, output: 50, total: 300, avg: 100 });
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.operations.llm_inference!.tokens).toEqual({ total: 300, avg: 100, input: 100, output: 50 });
  });
});

describe('a tokenizer or text that cannot be counted', () => {
  it('a throwing or NaN-returning tokenCounter drops the count instead of breaking the host', async () => {
    const throwing = newMonitor({
      tokenCounter: {
        count: () => {
          throw new Error('tokenizer crashed');
        },
      },
    });
    const op = throwing.trackOperation(OperationType.LLM_INFERENCE);
    expect(() => op.setTokensFromText({ input: PROMPT })).not.toThrow();
    op.end();
    const nan = newMonitor({ tokenCounter: { count: () => NaN } });
    nan.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ output: ANSWER }).end();
    for (const monitor of [throwing, nan]) {
      const report = await monitor.generateReport();
      expectValidReport(report);
      expect(report.operations.llm_inference!.total).toBe(1);
      expect(report.operations.llm_inference!.tokens.total).toBe(0);
      expect(report.dropped.by_reason).toEqual({ invalid_token_count: 1 });
    }
  });

  it('non-text input is dropped, not thrown', async () => {
    const monitor = newMonitor();
    const op = monitor.trackOperation(OperationType.EMBEDDING_GENERATION);
    expect(() => op.setTokensFromText({ input: 42 as never, output: [undefined] as never })).not.toThrow();
    op.end();
    const report = await monitor.generateReport();
    expectValidReport(report);
    expect(report.operations.embedding_generation!.tokens.total).toBe(0);
    expect(report.dropped.by_reason).toEqual({ invalid_token_count: 2 });
  });
});

describe('content capture', () => {
  it('never records prompt or response text by default', () => {
    const { monitor, spans } = newSpanMonitor();
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: PROMPT, output: ANSWER }).end();
    const text = JSON.stringify(spans()[0]!.attributes);
    expect(text).not.toContain('Summarise');
    expect(text).not.toContain('Exponential histograms');
  });

  it('records prompt and response on the span with captureContent: true', () => {
    const { monitor, spans } = newSpanMonitor({ captureContent: true });
    monitor.trackOperation(OperationType.LLM_INFERENCE).setTokensFromText({ input: PROMPT, output: ANSWER }).end();
    const attributes = spans()[0]!.attributes;
    expect(attributes['gen_ai.prompt']).toBe(PROMPT);
    expect(attributes['gen_ai.completion']).toBe(ANSWER);
  });
});
