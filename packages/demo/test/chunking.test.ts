import { isHeading, mergeSentences, splitSentences } from '../src/chunking';
import { normalize } from '../src/embedding';

describe('splitSentences', () => {
  it('splits at sentence ends followed by a capital or digit, not inside abbreviations or numbers', () => {
    expect(splitSentences('Feed it daily, e.g. at noon. It doubles. 2 percent salt is enough! Is it? yes.')).toEqual([
      'Feed it daily, e.g. at noon.',
      'It doubles.',
      '2 percent salt is enough!',
      'Is it? yes.',
    ]);
    expect(splitSentences('Version 4.2 of the lamp costs 39.90 euros. Done.')).toEqual([
      'Version 4.2 of the lamp costs 39.90 euros.',
      'Done.',
    ]);
  });

  it('ends a sentence at every paragraph break, so headings come out alone', () => {
    expect(splitSentences('Paid time off\n\nEvery employee gets 25\ndays. After a year, one more.')).toEqual([
      'Paid time off',
      'Every employee gets 25 days.',
      'After a year, one more.',
    ]);
    expect(splitSentences('  \n\n ')).toEqual([]);
  });

  it('recognises headings as short lines without terminal punctuation', () => {
    expect(isHeading('Paid time off')).toBe(true);
    expect(isHeading('SEV1: card payments fail.')).toBe(false);
    expect(isHeading('x'.repeat(81))).toBe(false);
  });
});

/** Unit vectors on named axes make similarities exact: same axis 1, different axes 0. */
function axis(i: number, dims = 8): Float32Array {
  const v = new Float32Array(dims);
  v[i] = 1;
  return v;
}

describe('mergeSentences', () => {
  const opts = { similarityThreshold: 0.5, maxChunkChars: 1000 };

  it('merges neighbours while they stay similar to the chunk, and starts a new chunk when not', () => {
    const sentences = ['A one.', 'A two.', 'B one.', 'B two.', 'A three.'];
    const vectors = [axis(0), axis(0), axis(1), axis(1), axis(0)];
    expect(mergeSentences(sentences, vectors, opts).map((c) => c.text)).toEqual([
      'A one. A two.',
      'B one. B two.',
      'A three.',
    ]);
  });

  it('compares with the centroid of the chunk so far, not just the previous sentence', () => {
    // Third sentence: cosine 0.6 with the second, but ~0.42 with the centroid of the first two.
    const first = axis(0);
    const second = normalize(Float32Array.from([0.6, 0.8, 0, 0, 0, 0, 0, 0]));
    const third = axis(1);
    expect(mergeSentences(['s1.', 's2.', 's3.'], [first, second, third], opts).map((c) => c.text)).toEqual([
      's1. s2.',
      's3.',
    ]);
  });

  it('never grows a chunk past the length cap (a single long sentence stays whole)', () => {
    const sentences = ['a'.repeat(30) + '.', 'b'.repeat(30) + '.', 'c'.repeat(30) + '.', 'd'.repeat(80) + '.'];
    const same = sentences.map(() => axis(0));
    const chunks = mergeSentences(sentences, same, { similarityThreshold: 0, maxChunkChars: 63 });
    expect(chunks.map((c) => c.text.length)).toEqual([63, 31, 81]);
    expect(chunks.map((c) => c.text).join(' ')).toBe(sentences.join(' '));
  });

  it('closes the chunk at a heading and labels the chunks after it with that section', () => {
    const sentences = ['Intro one.', 'Warranty', 'Three years.', 'Returns', 'Sixty days.'];
    const vectors = sentences.map(() => axis(0));
    expect(mergeSentences(sentences, vectors, opts, 'Earlier section')).toEqual([
      { section: 'Earlier section', text: 'Intro one.' },
      { section: 'Warranty', text: 'Three years.' },
      { section: 'Returns', text: 'Sixty days.' },
    ]);
  });
});
