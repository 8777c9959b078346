// The slice of pdfkit's API that make-corpus.ts uses (pdfkit ships no type declarations).
declare module 'pdfkit' {
  import { Readable } from 'node:stream';

  interface PDFDocumentOptions {
    size?: string | [number, number];
    margin?: number;
    compress?: boolean;
    info?: { Title?: string; Author?: string; Subject?: string; CreationDate?: Date; ModDate?: Date };
  }

  interface TextOptions {
    align?: 'left' | 'center' | 'right' | 'justify';
    paragraphGap?: number;
    lineGap?: number;
  }

  class PDFDocument extends Readable {
    constructor(options?: PDFDocumentOptions);
    font(name: string): this;
    fontSize(size: number): this;
    text(text: string, options?: TextOptions): this;
    moveDown(lines?: number): this;
    addPage(): this;
    end(): void;
  }

  export = PDFDocument;
}
