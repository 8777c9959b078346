import fc from 'fast-check';
import { BUNDLED_PRICES, PRICES_AS_OF } from '../../src/pricing/price-table.js';
import { PriceBook, costUsd } from '../../src/pricing/prices.js';
import { validateOptions } from '../../src/config/validate.js';

describe('the bundled price table', () => {
  it('is dated and names its sources', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
  });

  it('is a valid `pricing` option itself (every entry passes the same checks as a user entry)', () => {
    expect(() => validateOptions({ pricing: { ...BUNDLED_PRICES } })).not.toThrow();
  });

  it.each([
    ['OpenAI chat', ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5', 'o3']],
    ['OpenAI embeddings', ['text-embedding-3-small', 'text-embedding-3-large']],
    ['Anthropic', ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'claude-3-5-haiku']],
    ['Google', ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-embedding-001']],
    ['Mistral', ['mistral-large', 'mistral-small', 'mistral-embed']],
    ['Cohere', ['command-a', 'command-r', 'embed-v4.0']],
  ])('covers %s', (_, models) => {
    for (const model of models) expect(BUNDLED_PRICES[model]).toBeDefined();
  });

  it('prices embedding models for input only', () => {
    for (const model of ['text-embedding-3-small', 'mistral-embed', 'embed-english-v3.0', 'gemini-embedding-001']) {
      expect(BUNDLED_PRICES[model]!.outputPerMillionTokens).toBe(0);
      expect(BUNDLED_PRICES[model]!.inputPerMillionTokens).toBeGreaterThan(0);
    }
  });
});

describe('PriceBook.resolve', () => {
  const book = new PriceBook();

  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['claude-opus-4-1@20250805', 'claude-opus-4-1'],
    ['mistral-large-2411', 'mistral-large'],
    ['mistral-large-latest', 'mistral-large'],
    ['command-r-plus-08-2024', 'command-r-plus'],
    ['command-r-08-2024', 'command-r'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['o3-2025-04-16', 'o3'],
    ['openai/gpt-4o', 'gpt-4o'],
    ['models/gemini-2.5-pro', 'gemini-2.5-pro'],
  ])('%s is priced as %s', (model, key) => {
    expect(book.resolve(model)?.key).toBe(key);
    expect(book.resolve(model)?.price).toBe(BUNDLED_PRICES[key]);
  });

  it.each(['my-own-model', 'gpt-4o-turbo-x', 'gpt-4oz', 'claude', 'gpt-4o-', 'text-embedding-3-small-x', ''])(
    '%p has no price (a family is not guessed from a different name)',
    (model) => {
      expect(book.resolve(model)).toBeUndefined();
    },
  );

  it('an override replaces the bundled entry and adds new models, with the same fallback rule', () => {
    const custom = new PriceBook({ 'gpt-4o': { inputPerMillionTokens: 1, outputPerMillionTokens: 1 }, 'acme-llm': { inputPerMillionTokens: 7, outputPerMillionTokens: 9 } });
    expect(custom.resolve('gpt-4o-2024-08-06')?.price).toEqual({ inputPerMillionTokens: 1, outputPerMillionTokens: 1 });
    expect(custom.resolve('acme-llm-2026-01-01')?.key).toBe('acme-llm');
    expect(custom.resolve('gpt-4o-mini')?.price).toBe(BUNDLED_PRICES['gpt-4o-mini']);
  });

  it('answers the same after its cache is full', () => {
    const custom = new PriceBook();
    for (let i = 0; i < 1100; i++) custom.resolve(`unknown-${i}`);
    expect(custom.resolve('gpt-4o-2024-11-20')?.key).toBe('gpt-4o');
    expect(custom.resolve('unknown-5')).toBeUndefined();
  });
});

describe('costUsd', () => {
  const price = { inputPerMillionTokens: 2, outputPerMillionTokens: 8, cachedInputPerMillionTokens: 0.5 };
  const withWrites = { ...price, cacheWriteInputPerMillionTokens: 2.5 };

  it('input, cached input (part of input) and output, per million tokens', () => {
    // 800 uncached × $2 + 200 cached × $0.5 + 500 output × $8, per million
    expect(costUsd(price, 1000, 500, undefined, 200, undefined)).toBeCloseTo(0.0057, 15);
    expect(costUsd(price, 1_000_000, 0, undefined, undefined, undefined)).toBe(2);
  });

  it('cache writes (part of input) at the cache-write price, beside cache reads', () => {
    // 500 plain × $2 + 200 read × $0.5 + 300 written × $2.5 + 100 output × $8, per million
    expect(costUsd(withWrites, 1000, 100, undefined, 200, 300)).toBeCloseTo(0.00265, 15);
    // without a cache-write price, writes cost the input price
    expect(costUsd(price, 1000, 0, undefined, 0, 300)).toBeCloseTo(0.002, 15);
  });

  it('cached input without a cached price costs the input price; more cached than input is capped', () => {
    expect(costUsd({ inputPerMillionTokens: 2, outputPerMillionTokens: 8 }, 1000, 0, undefined, 400, undefined)).toBeCloseTo(0.002, 15);
    expect(costUsd(price, 100, 0, undefined, 1000, undefined)).toBeCloseTo(0.00005, 15);
    // reads and writes together never count for more than the input: reads first, writes the rest
    expect(costUsd(withWrites, 100, 0, undefined, 60, 1000)).toBeCloseTo((60 * 0.5 + 40 * 2.5) / 1e6, 15);
  });

  it('a total without split is priced as input; no tokens cost nothing', () => {
    expect(costUsd(price, undefined, undefined, 3000, undefined, undefined)).toBeCloseTo(0.006, 15);
    expect(costUsd(price, undefined, undefined, undefined, undefined, undefined)).toBe(0);
  });

  it('is never negative and grows with every kind of token', () => {
    const n = fc.integer({ min: 0, max: 1e9 });
    fc.assert(
      fc.property(n, n, n, n, n, (input, output, other, cached, written) => {
        const c = costUsd(withWrites, input, output, other, cached, written);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(costUsd(withWrites, input + 1, output, other, cached, written)).toBeGreaterThanOrEqual(c);
        expect(costUsd(withWrites, input, output + 1, other, cached, written)).toBeGreaterThan(c);
        // the same tokens never cost more than all at the dearest input rate, nor less than at the cheapest
        const tokens = input + other;
        expect(c).toBeLessThanOrEqual(((tokens * 2.5 + output * 8) / 1e6) * (1 + 1e-12));
        expect(c).toBeGreaterThanOrEqual(((tokens * 0.5 + output * 8) / 1e6) * (1 - 1e-12));
      }),
      { numRuns: 200 },
    );
  });
});
