import { ROOT_CONTEXT, INVALID_SPAN_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * The key under which the OTel API keeps the active span: `createContextKey()` is
 * `Symbol.for(description)`, so every copy of @opentelemetry/api shares it. Checked once below.
 */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** True when this copy of the API finds a span under SPAN_KEY (else operations build plain contexts). */
export const SPAN_KEY_HOLDS: boolean = (() => {
  try {
    const span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    return trace.getSpan(ROOT_CONTEXT.setValue(SPAN_KEY, span)) === span;
  } catch {
    return false;
  }
})();

/** Nested operation contexts chained before one is flattened: bounds every lookup. */
const MAX_DEPTH = 8;

/**
 * An operation's context: `parent` with the operation's span and the operation itself set, in
 * one small object. OTel's own contexts copy all their entries on every setValue() (a Map and
 * three closures), and an operation needs two values set; this keeps both and delegates other
 * keys to the parent. Directly nested operations chain at most MAX_DEPTH deep; any setValue()
 * or deleteValue() by other code first turns it into an ordinary OTel context, so contexts
 * derived from it are the usual flat ones.
 */
export class OperationContext implements Context {
  private readonly parent: Context;
  private readonly depth: number;
  private flat: Context | undefined;

  constructor(
    parent: Context,
    private readonly span: Span | undefined,
    private readonly key: symbol,
    private readonly op: unknown,
  ) {
    if (parent instanceof OperationContext) {
      if (parent.depth >= MAX_DEPTH) {
        this.parent = parent.flatten();
        this.depth = 0;
      } else {
        this.parent = parent;
        this.depth = parent.depth + 1;
      }
    } else {
      this.parent = parent;
      this.depth = 0;
    }
  }

  getValue(key: symbol): unknown {
    if (key === this.key) return this.op;
    if (key === SPAN_KEY && this.span !== undefined) return this.span;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.flatten().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.flatten().deleteValue(key);
  }

  /** The same values in an ordinary OTel context (built once). */
  private flatten(): Context {
    if (this.flat === undefined) {
      const withSpan = this.span === undefined ? this.parent : trace.setSpan(this.parent, this.span);
      this.flat = withSpan.setValue(this.key, this.op);
    }
    return this.flat;
  }
}

/** `parent` with `span` (when tracing) and `op` under `key`. */
export function operationContext(parent: Context, span: Span | undefined, key: symbol, op: unknown): Context {
  if (SPAN_KEY_HOLDS) return new OperationContext(parent, span, key, op);
  const withSpan = span === undefined ? parent : trace.setSpan(parent, span);
  return withSpan.setValue(key, op);
}
