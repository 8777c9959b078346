import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Report } from '@ragmeter/sdk';

/**
 * The report schema versions this CLI reads, each with the schema file the SDK ships for it:
 * the current one, and version 1 (reports from before cost was added, such as CI baselines).
 */
const SCHEMA_FILES: ReadonlyMap<number, string> = new Map([
  [1, '@ragmeter/sdk/report-1.schema.json'],
  [2, '@ragmeter/sdk/report.schema.json'],
]);
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [...SCHEMA_FILES.keys()];

export type ReportCheck = { ok: true; report: Report } | { ok: false; problem: string };

const validators = new Map<number, ValidateFunction>();

/** Compiled once per version, from the schema files the SDK ships (so the CLI never drifts from them). */
function reportValidator(version: number): ValidateFunction {
  let validator = validators.get(version);
  if (validator === undefined) {
    const schemaPath = require.resolve(SCHEMA_FILES.get(version)!);
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    validator = ajv.compile(schema);
    validators.set(version, validator);
  }
  return validator;
}

function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const extra = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  let detail = error.message ?? 'is invalid';
  if (extra.additionalProperty !== undefined) detail += ` '${extra.additionalProperty}'`;
  if (extra.allowedValues !== undefined) detail += ` (${extra.allowedValues.join(', ')})`;
  return `${where} ${detail}`;
}

/**
 * Checks a parsed JSON value against the report schema. The first checks give a plain answer
 * for the common mistakes (some other JSON, a report from another version) before the
 * schema's detailed list of problems.
 */
export function checkReport(value: unknown): ReportCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, problem: `not a ragmeter report (expected a JSON object, found ${found})` };
  }
  if (!('schema_version' in value)) {
    return { ok: false, problem: 'not a ragmeter report (no "schema_version" field)' };
  }
  const version = (value as { schema_version: unknown }).schema_version;
  if (typeof version !== 'number' || !SCHEMA_FILES.has(version)) {
    return {
      ok: false,
      problem:
        `unsupported schema_version ${JSON.stringify(version)} ` +
        `(this ragmeter reads schema_version ${SUPPORTED_SCHEMA_VERSIONS.join(' and ')})`,
    };
  }
  const validate = reportValidator(version);
  // A version-1 report is a Report without the cost fields, which are optional in the type.
  if (validate(value)) return { ok: true, report: value as unknown as Report };
  const errors = validate.errors ?? [];
  const shown = errors.slice(0, 5).map(describeSchemaError);
  if (errors.length > shown.length) shown.push(`and ${errors.length - shown.length} more`);
  return { ok: false, problem: `not a valid ragmeter report: ${shown.join('; ')}` };
}
