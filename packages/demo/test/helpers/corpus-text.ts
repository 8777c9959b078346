// The text of the corpus PDFs, extracted by the demo's own pdf-text.ts running in a child Node
// process. jest runs tests as CommonJS inside a VM without ES-module support, and pdfjs-dist
// is ES-module only, so pdfjs cannot be imported in-process here; the child can.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PdfTextExtractor } from '../../src/pdf-text';

export const DEMO_DIR = join(__dirname, '..', '..');
export const CORPUS_DIR = join(DEMO_DIR, 'corpus');

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const CHILD = `
const { createHash } = require('node:crypto');
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { extractPdfText } = require('./src/pdf-text.ts');
(async () => {
  const out = {};
  for (const file of readdirSync('corpus').filter((f) => f.endsWith('.pdf'))) {
    const bytes = new Uint8Array(readFileSync(join('corpus', file)));
    const hash = createHash('sha256').update(bytes).digest('hex');
    out[hash] = await extractPdfText(bytes);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * Extracts every corpus PDF in a child process and returns an extractor that answers from
 * those results, keyed by the bytes' hash: bytes it has not seen are an error, not a guess.
 */
export async function childProcessExtractor(): Promise<PdfTextExtractor> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', CHILD],
    { cwd: DEMO_DIR, maxBuffer: 16 * 1024 * 1024 },
  );
  const byHash = new Map(Object.entries(JSON.parse(stdout) as Record<string, { title: string; pages: string[] }>));
  return async (data) => {
    const text = byHash.get(sha256(data));
    if (!text) throw new Error('these PDF bytes were not extracted by the child process');
    return text;
  };
}
