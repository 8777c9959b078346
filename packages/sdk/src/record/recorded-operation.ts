import type { Attributes } from '@opentelemetry/api';
import { BYTES_PER_MB } from '../probes/memory.js';
import type { DropCounter } from './dropped.js';

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
  memoryDeltaBytes: number | undefined;
}

/**
 * Checks an operation measured elsewhere: an invalid duration drops the operation (undefined),
 * an invalid token count or memory delta drops just that value. Every drop is counted.
 */
export function readRecordedOperation(operation: RecordedOperation, drops: DropCounter): ValidRecord | undefined {
  const seconds = operation.durationSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    drops.drop('invalid_duration', `durationSeconds must be a finite number >= 0, got ${String(seconds)}`);
    return undefined;
  }
  const count = (what: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    drops.drop('invalid_token_count', `${what} must be a finite number >= 0, got ${String(v)}`);
    return undefined;
  };
  const input = count('inputTokens', operation.inputTokens);
  const output = count('outputTokens', operation.outputTokens);
  const other = count('tokens', operation.tokens);
  let memoryDeltaBytes: number | undefined;
  if (operation.memoryDeltaMb !== undefined) {
    if (typeof operation.memoryDeltaMb === 'number' && Number.isFinite(operation.memoryDeltaMb)) {
      memoryDeltaBytes = operation.memoryDeltaMb * BYTES_PER_MB;
    } else {
      drops.drop('invalid_memory_delta', `memoryDeltaMb must be a finite number, got ${String(operation.memoryDeltaMb)}`);
    }
  }
  const errorType = operation.success === false ? (operation.errorType ?? 'Error').slice(0, 64) : undefined;
  return { seconds, errorType, input, output, other, memoryDeltaBytes };
}
