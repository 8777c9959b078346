// PDF_LOADING: reads a PDF file and extracts its text page by page (pdf-text.ts).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { extractPdfText, type PdfTextExtractor } from './pdf-text.js';

export interface LoadedDocument {
  /** File name, e.g. `lighthouse-history.pdf`; what answers cite. */
  name: string;
  title: string;
  /** Text of each page (index 0 is page 1); paragraphs separated by blank lines. */
  pages: string[];
  sizeBytes: number;
}

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
