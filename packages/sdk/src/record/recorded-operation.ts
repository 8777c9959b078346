import type { Attributes } from '@opentelemetry/api';
import { BYTES_PER_MB } from '../probes/memory.js';
import type { DropCounter } from './dropped.js';
import { MAX_DURATION_SECONDS, MAX_TOKEN_COUNT } from '../operation.js';
import { shown } from './errors.js';

/** A heap change beyond a petabyte is not a measurement; it would also make report sums overflow. */
const MAX_MEMORY_DELTA_MB = 1e9;

/** Input of `recordOperation()`: an operation measured elsewhere. */
export interface RecordedOperation {
  type: string;
  durationSeconds: number;
  /** Default true. */
  success?: boolean;
  /** Error type for a failure (becomes error.type). Default 'Error'. */
  errorType?: string;
  /** Total tokens when there is no input/output split. */
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens read from the provider's prompt cache (part of inputTokens; priced at the cached rate). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens; priced at the cache-write rate). */
  cacheWriteInputTokens?: number;
  /** Memory change, MB (2^20 bytes); can be negative. */
  memoryDeltaMb?: number;
  attributes?: Attributes;
}

/** The checked values of a RecordedOperation. */
export interface ValidRecord {
  seconds: number;
  /** Set for a failure. */
  errorType: string | undefined;
  input: number | undefined;
  output: number | undefined;
  other: number | undefined;
  cachedInput: number | undefined;
  cacheWriteInput: number | undefined;
  memoryDeltaBytes: number | undefined;
}

/**
 * Checks an operation measured elsewhere: an invalid duration drops the operation (undefined),
 * an invalid token count or memory delta drops just that value. Every drop is counted.
 */
export function readRecordedOperation(operation: RecordedOperation, drops: DropCounter): ValidRecord | undefined {
  const seconds = operation.durationSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DURATION_SECONDS) {
    drops.drop('invalid_duration', `durationSeconds must be a number of seconds from 0 to ${MAX_DURATION_SECONDS}, got ${shown(seconds)}`);
    return undefined;
  }
  const count = (what: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TOKEN_COUNT) return v;
    drops.drop('invalid_token_count', `${what} must be a number from 0 to ${MAX_TOKEN_COUNT}, got ${shown(v)}`);
    return undefined;
  };
  const input = count('inputTokens', operation.inputTokens);
  const output = count('outputTokens', operation.outputTokens);
  const other = count('tokens', operation.tokens);
  const cachedInput = count('cachedInputTokens', operation.cachedInputTokens);
  const cacheWriteInput = count('cacheWriteInputTokens', operation.cacheWriteInputTokens);
  let memoryDeltaBytes: number | undefined;
  if (operation.memoryDeltaMb !== undefined) {
    const mb = operation.memoryDeltaMb;
    if (typeof mb === 'number' && Number.isFinite(mb) && Math.abs(mb) <= MAX_MEMORY_DELTA_MB) {
      memoryDeltaBytes = mb * BYTES_PER_MB;
    } else {
      drops.drop('invalid_memory_delta', `memoryDeltaMb must be a number from -${MAX_MEMORY_DELTA_MB} to ${MAX_MEMORY_DELTA_MB}, got ${shown(mb)}`);
    }
  }
  let errorType: string | undefined;
  if (operation.success === false) {
    errorType = 'Error';
    if (typeof operation.errorType === 'string' && operation.errorType !== '') errorType = operation.errorType.slice(0, 64);
    else if (operation.errorType !== undefined) drops.drop('invalid_attribute', `errorType must be a non-empty string, got ${shown(operation.errorType)}`);
  }
  return { seconds, errorType, input, output, other, cachedInput, cacheWriteInput, memoryDeltaBytes };
}
