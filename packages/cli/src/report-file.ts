import { readFile } from 'node:fs/promises';
import type { Report } from '@ragmeter/sdk';
import { errorMessage, InputError } from './errors.js';
import { checkReport } from './report-schema.js';

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a parent of it is not a directory',
};

/**
 * Reads and validates a saved report (the JSON of exportMetricsJson or GET /report).
 * Any problem becomes an InputError whose message starts with `label` and the path.
 */
export async function readReportFile(path: string, label = 'report'): Promise<Report> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const problem = FS_PROBLEMS[code] ?? errorMessage(error);
    throw new InputError(`${label} ${path}: cannot read file (${problem})`);
  }
  return parseReportText(text, `${label} ${path}`);
}

/** Parses report JSON text; `source` names it in error messages. */
export function parseReportText(text: string, source: string): Report {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === '' ? 'the file is empty' : errorMessage(error);
    throw new InputError(`${source}: not valid JSON (${reason})`);
  }
  const check = checkReport(value);
  if (!check.ok) throw new InputError(`${source}: ${check.problem}`);
  return check.report;
}
