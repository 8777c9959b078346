import { OTHER_ERROR } from './type-table.js';

// What a failure records of whatever was thrown, and values shown in warnings. None of these
// throws, whatever the value.

/**
 * An Error, also from another realm (a vm context, jest's sandbox) where `instanceof Error`
 * is false. Reads nothing that could throw: a getter on a hostile object is not called.
 */
export function isErrorLike(error: unknown): error is Error {
  if (error instanceof Error) return true;
  try {
    return Object.prototype.toString.call(error) === '[object Error]';
  } catch {
    return false;
  }
}

export function errorTypeOf(error: unknown): string {
  if (!isErrorLike(error)) return OTHER_ERROR;
  try {
    const name = error.constructor?.name || error.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? name.slice(0, 64) : 'Error';
  } catch {
    return 'Error';
  }
}

/** The status message of a failure; never throws, whatever was thrown. */
export function messageOf(error: unknown): string | undefined {
  try {
    if (isErrorLike(error)) return typeof error.message === 'string' ? error.message : undefined;
    return error === undefined ? undefined : String(error);
  } catch {
    return undefined;
  }
}

/** A value as text for a warning message; never throws (a null-prototype object, a throwing toString). */
export function shown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '(a value that cannot be printed)';
    }
  }
}
