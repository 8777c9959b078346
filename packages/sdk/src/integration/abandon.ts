import type { Operation } from '../operation.js';

/**
 * Gives up on an operation that will never end: the library being recorded never reported its
 * end (a stream its consumer left early, an event that never came), and the integration lets
 * go of it to keep its memory bounded. How it would have ended is unknown, so it records no
 * metrics; it is counted in the report's `dropped` section and on `rag.sdk.dropped` as
 * `abandoned_operation` (with one `RagMeterWarning` naming `detail`, the first time), and its
 * span ends marked `rag.operation.abandoned: true`, so spans under it are not left without a
 * parent. An operation that has already ended is left alone. Never throws.
 */
export function abandonOperation(op: Operation, detail: string): void {
  try {
    if (op === null || typeof op !== 'object' || op.ended) return;
    op.ended = true;
    op.sink?.abandon(op, typeof detail === 'string' && detail !== '' ? detail : 'an operation never ended');
  } catch {
    // giving up on an operation must not break the integration that does it
  }
}
