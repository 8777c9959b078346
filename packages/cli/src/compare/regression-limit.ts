import { UsageError } from '../errors.js';

/** The default for `compare --max-regression`, in percent. */
export const DEFAULT_MAX_REGRESSION = '10%';

const PERCENTAGE = /^(\d+(\.\d+)?|\.\d+)%$/;

/**
 * Parses a regression limit. The one accepted form is a non-negative decimal number followed
 * by a percent sign: "10%", "2.5%", "0%". Bare numbers ("10", "0.1") are rejected rather than
 * guessed at, since "0.1" could mean a tenth of a percent or ten percent.
 *
 * @returns the limit in percent (10 for "10%").
 */
export function parseRegressionLimit(text: string): number {
  if (!PERCENTAGE.test(text)) {
    throw new UsageError(
      `--max-regression must be a percentage with a % sign, such as 10% or 2.5% (got '${text}')`,
    );
  }
  return Number(text.slice(0, -1));
}
