import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The quick start shown on the front pages is the example file a test runs
// (examples.int.test.ts), character for character.
const ROOT = join(__dirname, '..', '..', '..');
const example = readFileSync(join(ROOT, 'packages', 'sdk', 'examples', 'quick-start.mjs'), 'utf8').trim();

function quickStartOf(page: string): string {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const section = text.slice(text.indexOf('## Quick start'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error(`${page}: no js block under "## Quick start"`);
  return block[1]!.trim();
}

it.each(['README.md', 'packages/sdk/README.md'])('%s shows examples/quick-start.mjs as its quick start', (page) => {
  expect(quickStartOf(page)).toBe(example);
});
