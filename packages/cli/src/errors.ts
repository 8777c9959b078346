import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** compare: a regression over the limit; watch --once: the service could not be read. */
export const EXIT_FAILED = 1;
/** Bad command line or unusable input file. */
export const EXIT_USAGE = 2;

/** A command line the user must fix (unknown option, missing argument, bad value). Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An input the user must fix: a report file that is unreadable, not JSON or not a report. Exit 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * The message of anything thrown. Duck-typed rather than instanceof: errors from Node's
 * internals may come from another realm (vm contexts, jest).
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** node:util parseArgs, with its errors turned into UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}
