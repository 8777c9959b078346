// PDF text extraction with pdfjs-dist: the title and the text of each page, in paragraphs.
// No monitoring here; pdf-loading.ts wraps it in the PDF_LOADING operation.
import { dirname, join } from 'node:path';

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
  /** Font size, PDF units. */
  height: number;
  /** pdfjs's internal font id: a change of font (say, to bold) marks a heading. */
  font: string;
}

/**
 * Joins pdfjs text lines into paragraphs. A new paragraph starts where the vertical gap is
 * clearly larger than the line height, or where the font or its size changes (a heading).
 */
export function paragraphsFromLines(lines: readonly TextLine[]): string {
  const paragraphs: string[] = [];
  let current: string[] = [];
  let previous: TextLine | undefined;
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '') continue;
    const boundary =
      previous !== undefined &&
      (previous.y - line.y > 1.45 * Math.max(previous.height, line.height) ||
        Math.abs(previous.height - line.height) > 0.5 ||
        previous.font !== line.font);
    if (boundary) {
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
      let line: TextLine = { text: '', y: 0, height: 0, font: '' };
      for (const item of content.items) {
        if (!('str' in item)) continue;
        if (line.text === '' && item.str !== '') {
          line = { text: '', y: item.transform[5] as number, height: item.height, font: item.fontName };
        }
        line.text += item.str;
        if (item.hasEOL) {
          lines.push(line);
          line = { text: '', y: 0, height: 0, font: '' };
        }
      }
      if (line.text !== '') lines.push(line);
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
