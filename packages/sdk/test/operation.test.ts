import { Operation, type OperationSink } from '../src/operation.js';

/** A sink that records what the operation reports, for testing the handle on its own. */
function fakeSink(countTokens: (text: string | readonly string[]) => number = (t) => (typeof t === 'string' ? t.length : t.length * 100)) {
  const finishes: { error: unknown; failed: boolean; tokens: [number | undefined, number | undefined, number | undefined] }[] = [];
  const invalid: [string, unknown][] = [];
  const captured: [string | undefined, string | undefined][] = [];
  const sink: OperationSink = {
    finish: (op, error, failed) => finishes.push({ error, failed, tokens: [op.inputTokens, op.outputTokens, op.otherTokens] }),
    invalidTokens: (what, value) => invalid.push([what, value]),
    invalidDuration: (what, value) => invalid.push([what, value]),
    unreadable: (what, error) => invalid.push([what, error]),
    firstToken: () => undefined,
    runIn: (_context, fn) => fn(),
    countTokens,
    setAttribute: () => undefined,
    captureText: (_op, prompt, response) => captured.push([prompt, response]),
    abandon: () => undefined,
  };
  const op = new Operation(sink, undefined, undefined, undefined, performance.now(), 0, undefined);
  return { op, finishes, invalid, captured };
}

describe('Operation', () => {
  it('end() reports one success', () => {
    const { op, finishes } = fakeSink();
    op.end();
    op.end();
    expect(finishes).toEqual([{ error: undefined, failed: false, tokens: [undefined, undefined, undefined] }]);
  });

  it('fail(error) reports one failure with that error; later end() is ignored', () => {
    const { op, finishes } = fakeSink();
    const error = new Error('x');
    op.fail(error);
    op.end();
    op.fail(new Error('y'));
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.error).toBe(error);
    expect(finishes[0]!.failed).toBe(true);
  });

  it('[Symbol.dispose] ends it as a success', () => {
    const { op, finishes } = fakeSink();
    {
      using _scoped = op;
    }
    expect(finishes).toEqual([{ error: undefined, failed: false, tokens: [undefined, undefined, undefined] }]);
  });

  it('tokens: a total, or input/output; the getter sums all', () => {
    const { op, finishes } = fakeSink();
    op.tokens = 5;
    op.setTokens({ input: 7 });
    op.setTokens({ output: 2 });
    expect(op.tokens).toBe(14);
    op.end();
    expect(finishes[0]!.tokens).toEqual([7, 2, 5]);
  });

  it('rejects invalid token counts through the sink and keeps the last valid one', () => {
    const { op, invalid } = fakeSink();
    op.tokens = 3;
    op.tokens = -1;
    op.setTokens({ input: NaN, output: 1.5 });
    expect(op.tokens).toBe(4.5);
    expect(invalid).toEqual([
      ['tokens', -1],
      ['input tokens', NaN],
    ]);
  });

  it('setUsage: input/output names first, then prompt/completion, then a bare total', () => {
    const a = fakeSink();
    a.op.setUsage({ input_tokens: 1, prompt_tokens: 100, output_tokens: 2, completion_tokens: 200 });
    expect([a.op.inputTokens, a.op.outputTokens]).toEqual([1, 2]);
    const b = fakeSink();
    b.op.setUsage({ prompt_tokens: 100, completion_tokens: 200, total_tokens: 300 });
    expect([b.op.inputTokens, b.op.outputTokens, b.op.otherTokens]).toEqual([100, 200, undefined]);
    const c = fakeSink();
    c.op.setUsage({ total_tokens: 300 });
    expect([c.op.inputTokens, c.op.outputTokens, c.op.otherTokens]).toEqual([undefined, undefined, 300]);
    const d = fakeSink();
    d.op.setUsage(null).setUsage(undefined);
    expect(d.op.tokens).toBe(0);
  });

  it('setTokensFromText counts with the sink, keeps provider counts, and offers the text for capture', () => {
    const { op, captured } = fakeSink();
    op.setTokens({ output: 9 });
    op.setTokensFromText({ input: 'four', output: ['a', 'b'] });
    expect([op.inputTokens, op.outputTokens]).toEqual([4, 9]);
    expect(captured).toEqual([['four', 'a\nb']]);
  });

  it('setTokensFromText does nothing once the operation has ended', () => {
    const { op, captured } = fakeSink();
    op.end();
    op.setTokensFromText({ input: 'late' });
    expect(op.inputTokens).toBeUndefined();
    expect(captured).toEqual([]);
  });

  it('setTokensFromText drops an unusable count from the tokenizer', () => {
    const { op, invalid } = fakeSink(() => -3);
    op.setTokensFromText({ input: 'text' });
    expect(op.inputTokens).toBeUndefined();
    expect(invalid).toEqual([['input tokens counted from text', -3]]);
  });

  it('a handle without a sink (a dropped operation) accepts every call', () => {
    const op = new Operation(undefined, undefined, undefined, undefined, 0, 0, undefined);
    expect(op.type).toBeUndefined();
    expect(() => {
      op.tokens = NaN;
      op.setTokens({ input: 1 }).setUsage({ total_tokens: 2 }).setTokensFromText({ input: 'x' });
      op.setAttribute('k', 'v').markFirstToken();
      op.fail(new Error('x'));
      op.end();
      op[Symbol.dispose]();
    }).not.toThrow();
  });

  it('elapsedSeconds grows from the start time', () => {
    const op = new Operation(undefined, undefined, undefined, undefined, performance.now() - 1500, 0, undefined);
    expect(op.elapsedSeconds).toBeGreaterThanOrEqual(1.5);
  });
});
