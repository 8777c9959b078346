import { getPerformanceMonitor, type PerformanceMonitor } from '@ragmeter/sdk';

/** Options shared by {@link instrumentLlamaIndex} and the `track*()` wrappers. */
export interface RecordOptions {
  /**
   * The monitor to record on. Default: the global monitor (`getPerformanceMonitor()`), looked up
   * at each operation, so a `startRagMeter()` made after set-up is honoured.
   */
  monitor?: PerformanceMonitor;
  /**
   * Put prompt and completion text on `llm_inference` spans. Default: the monitor's
   * `captureContent`, which is off unless turned on.
   */
  captureContent?: boolean;
}

/** Checks options at set-up (a programmer's mistake fails fast) and returns them frozen. */
export function checkOptions<O extends RecordOptions>(what: string, options: O, extra: readonly string[] = []): Readonly<O> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`ragmeter: ${what} options must be an object, got ${String(options)}`);
  }
  const known = new Set(['monitor', 'captureContent', ...extra]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`ragmeter: unknown ${what} option "${key}"`);
  }
  if (options.monitor !== undefined && typeof (options.monitor as { trackOperation?: unknown }).trackOperation !== 'function') {
    throw new TypeError(`ragmeter: ${what} option "monitor" must be a PerformanceMonitor`);
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError(`ragmeter: ${what} option "captureContent" must be a boolean`);
  }
  return Object.freeze({ ...options });
}

export const monitorOf = (options: RecordOptions): PerformanceMonitor => options.monitor ?? getPerformanceMonitor();

export const captures = (options: RecordOptions, monitor: PerformanceMonitor): boolean =>
  options.captureContent ?? monitor.captureContent;
