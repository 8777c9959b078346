/**
 * `ragmeterTelemetry()`: a Vercel AI SDK telemetry integration that records model calls,
 * embeddings, reranking and tool executions as ragmeter operations.
 *
 *     import { registerTelemetry } from 'ai';
 *     import { ragmeterTelemetry } from '@ragmeter/ai-sdk';
 *     registerTelemetry(ragmeterTelemetry());
 *
 * What each AI SDK event becomes is in integration.ts; how events are read, in events.ts.
 * Only types are imported from `ai`: the package has no runtime dependency on it.
 */
import type { Telemetry } from 'ai';
import { OPERATION_TYPE_PATTERN, type PerformanceMonitor } from '@ragmeter/sdk';
import { RagMeterTelemetry } from './integration.js';

export { AbandonedCallError, AbortError, FailedAttemptError, FinishReasonError } from './errors.js';

/** Options of {@link ragmeterTelemetry}. */
export interface RagMeterTelemetryOptions {
  /**
   * The monitor to record on. Default: the global monitor (`getPerformanceMonitor()`), looked up
   * at the start of each AI SDK call, so a `startRagMeter()` made after registering is honoured.
   */
  monitor?: PerformanceMonitor;
  /**
   * Put prompt and completion text (and embedded values) on spans. Default: the monitor's
   * `captureContent`, which is off unless turned on. The AI SDK's own `recordInputs: false` /
   * `recordOutputs: false` remove the text before it reaches ragmeter.
   */
  captureContent?: boolean;
  /**
   * Operation type of a whole `generateText`/`streamText`/`generateObject`/`streamObject` call:
   * the parent of its model calls (`llm_inference`) and tool executions, which shows how much of
   * an agent run is model time and how much tool time. `false`: no such operation; model calls
   * and tools become children of whatever operation is active where the call is made.
   * Default `ai_generation`.
   */
  generationType?: string | false;
  /** Operation type of a tool execution; `false`: tools are not recorded. Default `tool_execution`. */
  toolType?: string | false;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['monitor', 'captureContent', 'generationType', 'toolType']);

/**
 * A Vercel AI SDK (`ai` 7.x) `Telemetry` integration recording on ragmeter: every language-model
 * call of `generateText`/`streamText`/`generateObject`/`streamObject` becomes an `llm_inference`
 * operation (provider usage, time to first output when streamed), every embedding model call of
 * `embed`/`embedMany` an `embedding_generation`, every `rerank` model call a `reranking`.
 * Register it once with `registerTelemetry(ragmeterTelemetry())`, or pass it per call in
 * `telemetry: { integrations: [ragmeterTelemetry()] }`.
 */
export function ragmeterTelemetry(options: RagMeterTelemetryOptions = {}): Telemetry {
  checkOptions(options);
  return new RagMeterTelemetry({
    monitor: options.monitor,
    captureContent: options.captureContent,
    generationType: options.generationType ?? 'ai_generation',
    toolType: options.toolType ?? 'tool_execution',
  });
}

function checkOptions(options: RagMeterTelemetryOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`ragmeter: ragmeterTelemetry options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`ragmeter: unknown ragmeterTelemetry option "${key}"`);
  }
  if (options.monitor !== undefined && typeof (options.monitor as { trackOperation?: unknown }).trackOperation !== 'function') {
    throw new TypeError('ragmeter: ragmeterTelemetry option "monitor" must be a PerformanceMonitor');
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError('ragmeter: ragmeterTelemetry option "captureContent" must be a boolean');
  }
  for (const key of ['generationType', 'toolType'] as const) {
    const type = options[key];
    if (type === undefined || type === false) continue;
    if (typeof type !== 'string' || !OPERATION_TYPE_PATTERN.test(type)) {
      throw new TypeError(`ragmeter: ragmeterTelemetry option "${key}" must be false or an operation type matching ${OPERATION_TYPE_PATTERN}, got ${String(type)}`);
    }
  }
}
