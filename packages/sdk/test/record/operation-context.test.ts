import { ROOT_CONTEXT, context, createContextKey, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { OperationContext, SPAN_KEY_HOLDS, operationContext } from '../../src/record/operation-context.js';

const tracer = new TracerProvider().getTracer('test');
const OP = Symbol('op');
const OTHER = createContextKey('other value');

describe('OperationContext', () => {
  it('is used with this copy of @opentelemetry/api', () => {
    expect(SPAN_KEY_HOLDS).toBe(true);
    expect(operationContext(ROOT_CONTEXT, undefined, OP, {})).toBeInstanceOf(OperationContext);
  });

  it('holds the span (for the OTel API), the operation and every value of its parent', () => {
    const parentSpan = tracer.startSpan('parent');
    const parent = trace.setSpan(ROOT_CONTEXT, parentSpan).setValue(OTHER, 7);
    const span = tracer.startSpan('child', {}, parent);
    const op = { name: 'op' };
    const ctx = operationContext(parent, span, OP, op);
    expect(trace.getSpan(ctx)).toBe(span);
    expect(ctx.getValue(OP)).toBe(op);
    expect(ctx.getValue(OTHER)).toBe(7);
    // without a span (tracing off) the parent's span stays the active one
    expect(trace.getSpan(operationContext(parent, undefined, OP, op))).toBe(parentSpan);
  });

  it('setValue and deleteValue give ordinary contexts with everything else kept, and leave it unchanged', () => {
    const span = tracer.startSpan('s');
    const op = {};
    const ctx = operationContext(ROOT_CONTEXT.setValue(OTHER, 'a'), span, OP, op);
    const set = ctx.setValue(OTHER, 'b');
    expect(set).not.toBeInstanceOf(OperationContext);
    expect(set.getValue(OTHER)).toBe('b');
    expect(trace.getSpan(set)).toBe(span);
    expect(set.getValue(OP)).toBe(op);
    expect(ctx.getValue(OTHER)).toBe('a');

    const noSpan = trace.deleteSpan(ctx);
    expect(trace.getSpan(noSpan)).toBeUndefined();
    expect(noSpan.getValue(OP)).toBe(op);
    expect(ctx.deleteValue(OP).getValue(OP)).toBeUndefined();
    expect(trace.getSpan(ctx)).toBe(span);
    expect(isTracingSuppressed(suppressTracing(ctx))).toBe(true);
    expect(isTracingSuppressed(ctx)).toBe(false);
  });

  it('deep nesting: the nearest operation wins, every level stays readable, chains stay short', () => {
    let ctx: Context = ROOT_CONTEXT.setValue(OTHER, 'root');
    const keys: symbol[] = [];
    const spans: Span[] = [];
    for (let level = 0; level < 50; level++) {
      const key = Symbol(`level ${level}`);
      keys.push(key);
      const span = tracer.startSpan(`s${level}`, {}, ctx);
      spans.push(span);
      ctx = operationContext(operationContext(ctx, undefined, OP, level), span, key, level);
    }
    expect(ctx.getValue(OP)).toBe(49);
    expect(keys.map((k) => ctx.getValue(k))).toEqual(keys.map((_, level) => level));
    expect(ctx.getValue(OTHER)).toBe('root');
    expect(trace.getSpan(ctx)).toBe(spans[49]);
    // each span's parent is the one before it
    expect(spans.slice(1).every((s, i) => (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId === spans[i]!.spanContext().spanId)).toBe(true);
    let depth = 0;
    for (let c: unknown = ctx; c instanceof OperationContext; c = (c as unknown as { parent: Context }).parent) depth++;
    expect(depth).toBeLessThanOrEqual(9);
  });

  it('is what context.with() makes active, through async continuations', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    try {
      const span = tracer.startSpan('s');
      const ctx = operationContext(ROOT_CONTEXT, span, OP, 'op');
      const seen = await manager.with(ctx, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return [trace.getSpan(manager.active()), manager.active().getValue(OP)];
      });
      expect(seen).toEqual([span, 'op']);
      expect(context.active()).toBe(ROOT_CONTEXT); // nothing global touched
    } finally {
      manager.disable();
    }
  });
});
