/**
 * What an operation fails with when the AI SDK reports a failure without an error object. The
 * class name becomes the operation's `error.type`.
 */

/** A model call that ended with finish reason `error` (a stream that sent an error part). */
export class FinishReasonError extends Error {
  override name = 'FinishReasonError';
  constructor() {
    super("the model call finished with reason 'error'");
  }
}

/** An attempt that failed and was retried by the AI SDK (`maxRetries`): its error is not reported. */
export class FailedAttemptError extends Error {
  override name = 'FailedAttemptError';
  constructor() {
    super('the model call failed and the AI SDK retried it');
  }
}

/**
 * @deprecated No longer recorded: a call that never reports its end is given up on and counted
 * in the report's `dropped` section as `abandoned_operation` instead of recorded as a failure.
 */
export class AbandonedCallError extends Error {
  override name = 'AbandonedCallError';
  constructor() {
    super('the AI SDK call never reported its end');
  }
}

/** A streamed call the application aborted (its abort signal) before it finished; `cause` is the abort reason. */
export class AbortError extends Error {
  override name = 'AbortError';
  constructor(reason: unknown) {
    super('the AI SDK call was aborted', reason === undefined ? undefined : { cause: reason });
  }
}
