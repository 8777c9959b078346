/**
 * The naive bare-OTel tracked operation: what an application writes by hand without ragmeter.
 * startActiveSpan, two clock reads, process.memoryUsage() before and after (when `memory`), a
 * duration and a token record (and a memory-delta add) with two attributes, span.end(); with
 * `spanAttributes`, the token count (and memory delta) also go on the span, as ragmeter's do.
 */
import { SpanStatusCode, type Meter, type Span, type Tracer } from '@opentelemetry/api';

export const NAIVE_TOKENS = 42;

export interface NaiveOptions {
  tracer: Tracer;
  meter: Meter;
  /** The operation type: span name and attribute. */
  type: string;
  memory: boolean;
  spanAttributes: boolean;
  work: () => number;
  asyncWork: () => Promise<number>;
}

export function naiveOperation(o: NaiveOptions): { sync(): number; async(): Promise<number> } {
  const { tracer, meter, type, memory, spanAttributes, work, asyncWork } = o;
  const duration = meter.createHistogram('naive.operation.duration', { unit: 's' });
  const tokens = meter.createHistogram('naive.operation.tokens', { unit: '{token}' });
  const memoryDelta = meter.createUpDownCounter('naive.operation.memory.delta', { unit: 'By' });
  const attributes = { 'rag.operation.type': type, 'rag.operation.success': true };
  const failed = (span: Span, error: unknown) => {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const finish = (span: Span, t0: number, heap0: number) => {
    const seconds = (performance.now() - t0) / 1000;
    duration.record(seconds, attributes);
    tokens.record(NAIVE_TOKENS, attributes);
    if (spanAttributes) span.setAttribute('gen_ai.usage.input_tokens', NAIVE_TOKENS);
    if (memory) {
      const delta = process.memoryUsage().heapUsed - heap0;
      memoryDelta.add(delta, attributes);
      if (spanAttributes) span.setAttribute('rag.operation.memory_delta_bytes', delta);
    }
  };
  const syncBody = (span: Span): number => {
    try {
      const t0 = performance.now();
      const heap0 = memory ? process.memoryUsage().heapUsed : 0;
      const result = work();
      finish(span, t0, heap0);
      return result;
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
  const asyncBody = async (span: Span): Promise<number> => {
    try {
      const t0 = performance.now();
      const heap0 = memory ? process.memoryUsage().heapUsed : 0;
      const result = await asyncWork();
      finish(span, t0, heap0);
      return result;
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
  if (!spanAttributes) {
    return { sync: () => tracer.startActiveSpan(type, syncBody), async: () => tracer.startActiveSpan(type, asyncBody) };
  }
  const options = { attributes: { 'rag.operation.type': type } };
  return {
    sync: () => tracer.startActiveSpan(type, options, syncBody),
    async: () => tracer.startActiveSpan(type, options, asyncBody),
  };
}
