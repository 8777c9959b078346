/**
 * `wrapAnthropic(client)`: records the Anthropic client's Messages API calls as ragmeter
 * operations.
 *
 * `messages.create` is replaced on the client's own `messages` resource object (never on a shared
 * prototype), so other clients and other instrumentations are untouched; `messages.stream()`
 * calls it, so it is recorded too. Re-wrapping replaces our layer instead of stacking a second
 * one. What happens during a call is in recorder.ts; how payloads are read, in payloads.ts.
 */
import type { PerformanceMonitor } from '@ragmeter/sdk';
import { ATTR_OPERATION_NAME, ATTR_PROVIDER_NAME, serverAttributes } from './payloads.js';
import { Recorder, type Surface } from './recorder.js';

/** Options of {@link wrapAnthropic}. */
export interface WrapAnthropicOptions {
  /**
   * The monitor to record on. Default: the global monitor (`getPerformanceMonitor()`), looked up
   * at each call, so a `startRagMeter()` made after wrapping is honoured.
   */
  monitor?: PerformanceMonitor;
  /**
   * Put prompt and completion text on spans. Default: the monitor's `captureContent`, which is
   * off unless turned on.
   */
  captureContent?: boolean;
  /** `gen_ai.provider.name` of every operation, e.g. `aws.bedrock`. Default `anthropic`. */
  providerName?: string;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['monitor', 'captureContent', 'providerName']);

/** Marks our wrappers and keeps what they wrap; shared by every copy of this package. */
const ORIGINAL = Symbol.for('ragmeter.anthropic.original');

type Method = ((...args: unknown[]) => unknown) & { [ORIGINAL]?: Method };
interface ClientShape {
  baseURL?: unknown;
  messages?: { create?: unknown };
  withOptions?: unknown;
}

/**
 * Records the client's `messages.create` (plain and `stream: true`) and, through it,
 * `messages.stream()` as `llm_inference` operations, and returns the same client.
 */
export function wrapAnthropic<C extends object>(client: C, options: WrapAnthropicOptions = {}): C {
  const shape = client as ClientShape | null;
  if (shape === null || typeof shape !== 'object' || typeof shape.messages?.create !== 'function') {
    throw new TypeError(
      `ragmeter: wrapAnthropic(client) needs an Anthropic client (one with messages.create), got ${describe(client)}`,
    );
  }
  checkOptions(options);
  const surface: Surface = {
    monitor: options.monitor,
    captureContent: options.captureContent,
    base: Object.freeze({
      [ATTR_OPERATION_NAME]: 'chat',
      [ATTR_PROVIDER_NAME]: options.providerName ?? 'anthropic',
      ...serverAttributes(shape.baseURL),
    }),
  };
  install(shape.messages, surface);
  wrapWithOptions(shape, options);
  return client;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  return 'an object without messages.create';
}

function checkOptions(options: WrapAnthropicOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`ragmeter: wrapAnthropic options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`ragmeter: unknown wrapAnthropic option "${key}"`);
  }
  if (options.monitor !== undefined && typeof (options.monitor as { trackOperation?: unknown }).trackOperation !== 'function') {
    throw new TypeError('ragmeter: wrapAnthropic option "monitor" must be a PerformanceMonitor');
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError('ragmeter: wrapAnthropic option "captureContent" must be a boolean');
  }
  if (options.providerName !== undefined && (typeof options.providerName !== 'string' || options.providerName === '')) {
    throw new TypeError('ragmeter: wrapAnthropic option "providerName" must be a non-empty string');
  }
}

/** Puts our `create` on the resource object itself, in front of the client's. */
function install(resource: { create?: unknown }, surface: Surface): void {
  const current = resource.create as Method;
  const original: Method = current[ORIGINAL] ?? current;
  const create: Method = function (this: unknown, ...args: unknown[]) {
    return call(surface, original, this, args);
  };
  Object.defineProperty(create, ORIGINAL, { value: original });
  Object.defineProperty(resource, 'create', { value: create, writable: true, configurable: true, enumerable: false });
}

/** `client.withOptions()` makes a new client; it is wrapped the same way as this one. */
function wrapWithOptions(client: ClientShape, options: WrapAnthropicOptions): void {
  const current = client.withOptions;
  if (typeof current !== 'function') return;
  const original: Method = (current as Method)[ORIGINAL] ?? (current as Method);
  const withOptions: Method = function (this: unknown, ...args: unknown[]) {
    const derived = original.apply(this, args) as ClientShape | null;
    return derived !== null && typeof derived === 'object' && typeof derived.messages?.create === 'function'
      ? wrapAnthropic(derived, options)
      : derived;
  };
  Object.defineProperty(withOptions, ORIGINAL, { value: original });
  Object.defineProperty(client, 'withOptions', { value: withOptions, writable: true, configurable: true, enumerable: false });
}

// ---- one call: the hot path ---------------------------------------------------------------------

/** A wrapped `create`: starts the operation, calls the client inside it, watches the result. */
function call(surface: Surface, original: Method, self: unknown, args: unknown[]): unknown {
  let recorder: Recorder;
  try {
    recorder = new Recorder(surface, args[0]);
  } catch {
    return original.apply(self, args); // never let instrumentation break the call
  }
  let result: unknown;
  try {
    result = recorder.op.run(() => original.apply(self, args));
  } catch (error) {
    recorder.fail(error);
    throw error;
  }
  recorder.watch(result);
  return result;
}
