import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Report } from './types.js';

/** Writes `report` as JSON to `path` atomically: a temporary file beside it, then a rename. */
export async function writeReportFile(path: string, report: Report): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(report, null, 2) + '\n');
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}
