import { cosine, EMBEDDING_DIMENSIONS, HashingEmbedder } from '../src/embedding';
import { stem, terms } from '../src/terms';

describe('terms and stem', () => {
  it('lower-cases, drops stop words and folds inflections together', () => {
    expect(terms('How do I roll back the rolled-back deploys?')).toEqual(['roll', 'back', 'rolled-back', 'deploy']);
    expect(['bake', 'baked', 'bakes', 'baking'].map(stem)).toEqual(['bak', 'bak', 'bak', 'bak']);
    expect(['policies', 'policy'].map(stem)).toEqual(['policy', 'policy']);
    expect(stem('1998')).toBe('1998');
    expect(terms("Smeaton's tower")).toEqual(['smeaton', 'tower']);
  });
});

describe('HashingEmbedder', () => {
  const corpus = [
    'The lamp battery lasts nine hours at half brightness.',
    'Roll back the payments API with deployctl.',
    'Sourdough starter doubles in four to eight hours.',
    'The warranty covers the lamp for three years.',
  ];
  const embedder = new HashingEmbedder();
  embedder.fit(corpus);

  it('makes unit-length vectors of the fixed dimension, the same for the same text', () => {
    const v = embedder.embed('How long does the battery last?');
    expect(v).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(cosine(v, v)).toBeCloseTo(1, 5);
    expect(Array.from(embedder.embed('How long does the battery last?'))).toEqual(Array.from(v));
  });

  it('gives the zero vector for text without terms', () => {
    const v = embedder.embed('the of and');
    expect(v.every((x) => x === 0)).toBe(true);
  });

  it('ranks texts sharing words above texts that share none', () => {
    const q = embedder.embed('battery hours of the lamp');
    const scores = corpus.map((text) => cosine(q, embedder.embed(text)));
    expect(scores.indexOf(Math.max(...scores))).toBe(0);
    expect(scores[0]).toBeGreaterThan(scores[1]! + 0.2);
  });

  it('weights rare terms above common ones (IDF)', () => {
    // "lamp" is in two of four texts, "warranty" in one: the rare word decides.
    const q = embedder.embed('lamp warranty');
    expect(cosine(q, embedder.embed(corpus[3]!))).toBeGreaterThan(cosine(q, embedder.embed(corpus[0]!)));
  });

  it('still matches near spellings through character 3-grams', () => {
    const unrelated = cosine(embedder.embed('deployments'), embedder.embed('sourdough starter'));
    expect(cosine(embedder.embed('deployments'), embedder.embed('deployctl'))).toBeGreaterThan(unrelated + 0.1);
  });
});
