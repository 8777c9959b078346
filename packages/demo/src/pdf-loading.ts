// PDF_LOADING: reads a PDF file and extracts its text page by page with pdfjs-dist.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';

export interface LoadedDocument {
  /** File name, e.g. `lighthouse-history.pdf`; what answers cite. */
  name: string;
  title: string;
  /** Text of each page (index 0 is page 1); paragraphs separated by blank lines. */
  pages: string[];
  sizeBytes: number;
}

/** Turns the bytes of a PDF into its title and per-page text. Replaceable in tests. */
export type PdfTextExtractor = (data: Uint8Array) => Promise<{ title: string; pages: string[] }>;

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs', { with: { 'resolution-mode': 'import' } });
let pdfjs: Promise<PdfJs> | undefined;

/** pdfjs-dist is ES-module only; the demo compiles to CommonJS with `module: Node16`, which keeps this a real import(). */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/** Where pdfjs finds the metrics of the 14 standard PDF fonts (Helvetica etc.) that the corpus uses. */
const standardFontDataUrl = join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';

interface TextLine {
  text: string;
  /** Baseline, PDF units from the bottom of the page. */
  y: number;
  height: number;
}

/**
 * Joins pdfjs text items into paragraphs. pdfjs gives one item per laid-out line; a vertical
 * gap clearly larger than the line height marks a paragraph (or heading) boundary.
 */
export function paragraphsFromLines(lines: readonly TextLine[]): string {
  const paragraphs: string[] = [];
  let current: string[] = [];
  let previous: TextLine | undefined;
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '') continue;
    if (previous && previous.y - line.y > 1.45 * Math.max(previous.height, line.height)) {
      paragraphs.push(current.join(' '));
      current = [];
    }
    current.push(text);
    previous = line;
  }
  if (current.length > 0) paragraphs.push(current.join(' '));
  return paragraphs.join('\n\n');
}

export const extractPdfText: PdfTextExtractor = async (data) => {
  const { getDocument } = await loadPdfJs();
  const task = getDocument({ data, standardFontDataUrl, isEvalSupported: false, verbosity: 0 });
  const pdf = await task.promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const lines: TextLine[] = [];
      let text = '';
      let y = 0;
      let height = 0;
      for (const item of content.items) {
        if (!('str' in item)) continue;
        if (text === '' && item.str !== '') {
          y = item.transform[5] as number;
          height = item.height;
        }
        text += item.str;
        if (item.hasEOL) {
          lines.push({ text, y, height });
          text = '';
        }
      }
      if (text !== '') lines.push({ text, y, height });
      pages.push(paragraphsFromLines(lines));
      page.cleanup();
    }
    const { info } = await pdf.getMetadata();
    const title = (info as { Title?: unknown } | undefined)?.Title;
    return { title: typeof title === 'string' && title !== '' ? title : '', pages };
  } finally {
    await task.destroy();
  }
};

/** Loads one PDF as a tracked PDF_LOADING operation. */
export async function loadPdf(
  monitor: PerformanceMonitor,
  path: string,
  extract: PdfTextExtractor = extractPdfText,
): Promise<LoadedDocument> {
  const name = basename(path);
  return await monitor.track(OperationType.PDF_LOADING, { 'rag.document': name }, async (op) => {
    const data = new Uint8Array(await readFile(path));
    const sizeBytes = data.byteLength; // pdfjs may transfer (detach) the buffer
    const { title, pages } = await extract(data);
    op.setAttribute('rag.document.pages', pages.length);
    return { name, title: title || name, pages, sizeBytes };
  });
}
