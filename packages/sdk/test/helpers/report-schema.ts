import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The JSON Schema that ships with the package (packages/sdk/schema/report.schema.json). */
export const REPORT_SCHEMA_PATH = join(__dirname, '..', '..', 'schema', 'report.schema.json');

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as object);

/** Schema errors of `report` as readable lines; empty when it is valid. */
export function reportSchemaErrors(report: unknown): string[] {
  // Validate what a consumer would read: the JSON text, not the in-memory object.
  const ok = validate(JSON.parse(JSON.stringify(report)));
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** Fails the current test unless `report` satisfies the shipped report schema. */
export function expectValidReport(report: unknown): void {
  expect(reportSchemaErrors(report)).toEqual([]);
}
