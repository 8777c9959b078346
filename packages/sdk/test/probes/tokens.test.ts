import { countTokens as o200kCount, encode as o200kEncode } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens, estimateTokens, openAiTokenCounter, type TokenCounter } from '../../src/probes/tokens.js';

const LONG = Array.from({ length: 400 }, (_, i) => `Sentence ${i} of a retrieved passage about vector databases, chunking and reranking.`).join(' ');

describe('estimateTokens (the ~4 characters per token fallback)', () => {
  it('is ceil(length / 4)', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abc')).toBe(1);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens(LONG)).toBe(Math.ceil(LONG.length / 4));
  });
});

describe('countTokens with the default o200k_base tokenizer', () => {
  it('empty text is 0 tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens([])).toBe(0);
    expect(countTokens(['', ''])).toBe(0);
  });

  it('simple text: "hello world" is 2 tokens in o200k_base', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('hello world')).toBe(o200kEncode('hello world').length);
  });

  it('long text matches the reference tokenizer, not the character estimate', () => {
    const n = countTokens(LONG);
    expect(n).toBe(o200kCount(LONG));
    expect(n).not.toBe(estimateTokens(LONG));
    expect(n).toBeGreaterThan(1000);
  });

  it('is o200k_base, not the older cl100k_base', () => {
    // a text where the two encodings differ
    const text = 'Ünïcödé tëxt — 日本語のテキスト and emojis 🚀🚀🚀';
    expect(o200kCount(text)).not.toBe(cl100kCount(text));
    expect(countTokens(text)).toBe(o200kCount(text));
    expect(openAiTokenCounter.count(text)).toBe(o200kCount(text));
  });

  it('a batch is the sum of its texts', () => {
    const batch = ['hello world', '', 'The quick brown fox jumps over the lazy dog.', LONG];
    expect(countTokens(batch)).toBe(batch.reduce((n, t) => n + o200kCount(t), 0));
  });
});

describe('countTokens with a pluggable counter', () => {
  it('uses the given counter for each non-empty text', () => {
    const count = jest.fn((text: string) => text.split(/\s+/).length);
    const words: TokenCounter = { count };
    expect(countTokens(['one two', '', 'three four five'], words)).toBe(5);
    expect(count.mock.calls.map((c) => c[0])).toEqual(['one two', 'three four five']);
    expect(countTokens('abcdefgh', { count: estimateTokens })).toBe(2);
    expect(countTokens('', { count: () => 5 })).toBe(0); // empty text is never handed to the counter
  });
});

describe('openAiTokenCounter fallback', () => {
  it('falls back to the estimate when the tokenizer cannot be used', () => {
    jest.isolateModules(() => {
      jest.doMock('gpt-tokenizer', () => ({
        countTokens: () => {
          throw new Error('tables failed to load');
        },
      }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../src/probes/tokens.js') as typeof import('../../src/probes/tokens.js');
      expect(fresh.openAiTokenCounter.count('hello world, hello!')).toBe(estimateTokens('hello world, hello!'));
    });
    jest.dontMock('gpt-tokenizer');
  });
});
