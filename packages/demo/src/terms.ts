// Word terms shared by the embedding (first stage) and the BM25 reranker (second stage), so
// that both stages agree on what a "word" is.

const STOP_WORDS = new Set(
  (
    'a about after all also an and any are as at be because been before being but by can could ' +
    'did do does doing done during each for from had has have how i if in into is it its just ' +
    'may me more most my no not of on once only or other our out over own same should so some ' +
    'such than that the their them then there these they this those through to too under until ' +
    'up us very was we were what when where which while who whom why will with would you your'
  ).split(' '),
);

/**
 * A deliberately light stemmer: folds plurals, -ing and -ed, then a final e, so that "bake",
 * "baked", "bakes" and "baking" all become "bak", and "roll", "rolls", "rolled" become "roll".
 */
export function stem(word: string): string {
  if (word.length <= 3 || /^[0-9]/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** Lower-case, stemmed word terms of `text`, stop words removed, in reading order. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[a-z0-9]+(?:['.-][a-z0-9]+)*/g)) {
    const word = match[0].replace(/'s$/, '');
    if (STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}
