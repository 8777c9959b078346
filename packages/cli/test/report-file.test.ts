import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { parseReportText, readReportFile } from '../src/report-file.js';
import { pipelineReport } from './report-fixture.js';

describe('readReportFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragmeter-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the report from a valid file', async () => {
    const path = join(dir, 'good.json');
    writeFileSync(path, JSON.stringify(pipelineReport()));
    const loaded = await readReportFile(path);
    expect(Object.keys(loaded.operations)).toEqual(['document_retrieval', 'embedding_generation', 'llm_inference']);
  });

  it('names the file and the reason when it cannot be read', async () => {
    const missing = join(dir, 'missing.json');
    await expect(readReportFile(missing, 'baseline')).rejects.toThrow(
      new InputError(`baseline ${missing}: cannot read file (no such file)`),
    );
    await expect(readReportFile(dir)).rejects.toThrow(`report ${dir}: cannot read file (is a directory, not a file)`);
  });

  it('names the file when it is not JSON or empty', async () => {
    const path = join(dir, 'empty.json');
    writeFileSync(path, '  \n');
    await expect(readReportFile(path, 'current')).rejects.toThrow(`current ${path}: not valid JSON (the file is empty)`);
  });
});

describe('parseReportText', () => {
  it('reports JSON syntax errors with the parser message', () => {
    expect(() => parseReportText('{"schema_version": 1,', 'x.json')).toThrow(/^x\.json: not valid JSON \(.+\)$/);
  });

  it('reports schema problems', () => {
    expect(() => parseReportText('[]', 'x.json')).toThrow('x.json: not a ragmeter report (expected a JSON object, found an array)');
  });
});
