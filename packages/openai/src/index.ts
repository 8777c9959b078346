/**
 * `wrapOpenAI(client)`: records the OpenAI client's chat completions, responses and embeddings
 * calls as ragmeter operations.
 *
 * The three `create` methods are replaced on the client's own resource objects (never on a
 * shared prototype), so other clients and other instrumentations are untouched. Re-wrapping
 * replaces our layer instead of stacking a second one. What happens during a call is in
 * recorder.ts; how payloads are read, in payloads.ts.
 */
import { OperationType, type PerformanceMonitor } from '@ragmeter/sdk';
import { ATTR_OPERATION_NAME, ATTR_PROVIDER_NAME, serverAttributes, type Api } from './payloads.js';
import { Recorder, type Surface } from './recorder.js';

/** Options of {@link wrapOpenAI}. */
export interface WrapOpenAIOptions {
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
  /** `gen_ai.provider.name` of every operation, e.g. `azure.ai.openai`. Default `openai`. */
  providerName?: string;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['monitor', 'captureContent', 'providerName']);

/** Marks our wrappers and keeps what they wrap; shared by every copy of this package. */
const ORIGINAL = Symbol.for('ragmeter.openai.original');

type Method = ((...args: unknown[]) => unknown) & { [ORIGINAL]?: Method };
type Resource = { create?: unknown } | undefined;
interface ClientShape {
  baseURL?: unknown;
  chat?: { completions?: Resource };
  responses?: Resource;
  embeddings?: Resource;
  withOptions?: unknown;
}


/**
 * Records the client's `chat.completions.create`, `responses.create` and `embeddings.create`
 * (plain and streamed) as `llm_inference` / `embedding_generation` operations, and returns the
 * same client. Works with any OpenAI-compatible server the client talks to.
 */
export function wrapOpenAI<C extends object>(client: C, options: WrapOpenAIOptions = {}): C {
  if (client === null || typeof client !== 'object') {
    throw new TypeError(`ragmeter: wrapOpenAI(client) needs an OpenAI client, got ${String(client)}`);
  }
  checkOptions(options);
  const shape = client as ClientShape;
  const server = serverAttributes(shape.baseURL);
  const provider = options.providerName ?? 'openai';
  const surface = (api: Api, type: OperationType, operationName: string): Surface => ({
    api,
    type,
    monitor: options.monitor,
    captureContent: options.captureContent,
    base: Object.freeze({ [ATTR_OPERATION_NAME]: operationName, [ATTR_PROVIDER_NAME]: provider, ...server }),
  });
  const wrapped = [
    install(shape.chat?.completions, surface('chat', OperationType.LLM_INFERENCE, 'chat')),
    install(shape.responses, surface('responses', OperationType.LLM_INFERENCE, 'chat')),
    install(shape.embeddings, surface('embeddings', OperationType.EMBEDDING_GENERATION, 'embeddings')),
  ];
  if (!wrapped.includes(true)) {
    throw new TypeError('ragmeter: wrapOpenAI(client) found none of chat.completions.create, responses.create, embeddings.create');
  }
  wrapWithOptions(shape, options);
  return client;
}

function checkOptions(options: WrapOpenAIOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`ragmeter: wrapOpenAI options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`ragmeter: unknown wrapOpenAI option "${key}"`);
  }
  if (options.monitor !== undefined && typeof (options.monitor as { trackOperation?: unknown }).trackOperation !== 'function') {
    throw new TypeError('ragmeter: wrapOpenAI option "monitor" must be a PerformanceMonitor');
  }
  if (options.captureContent !== undefined && typeof options.captureContent !== 'boolean') {
    throw new TypeError('ragmeter: wrapOpenAI option "captureContent" must be a boolean');
  }
  if (options.providerName !== undefined && (typeof options.providerName !== 'string' || options.providerName === '')) {
    throw new TypeError('ragmeter: wrapOpenAI option "providerName" must be a non-empty string');
  }
}

/** Puts our `create` on the resource object itself, in front of the client's. */
function install(resource: Resource, surface: Surface): boolean {
  const current = resource?.create;
  if (typeof current !== 'function') return false;
  const original: Method = (current as Method)[ORIGINAL] ?? (current as Method);
  const create: Method = function (this: unknown, ...args: unknown[]) {
    return call(surface, original, this, args);
  };
  Object.defineProperty(create, ORIGINAL, { value: original });
  Object.defineProperty(resource, 'create', { value: create, writable: true, configurable: true, enumerable: false });
  return true;
}

/** `client.withOptions()` makes a new client; it is wrapped the same way as this one. */
function wrapWithOptions(client: ClientShape, options: WrapOpenAIOptions): void {
  const current = client.withOptions;
  if (typeof current !== 'function') return;
  const original: Method = (current as Method)[ORIGINAL] ?? (current as Method);
  const withOptions: Method = function (this: unknown, ...args: unknown[]) {
    const derived = original.apply(this, args);
    return derived !== null && typeof derived === 'object' ? wrapOpenAI(derived, options) : derived;
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
