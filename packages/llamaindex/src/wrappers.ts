/**
 * Explicit wrappers for what LlamaIndex's events cannot record correctly: failures (there is no
 * failure event), streamed answers read after the query returns, embeddings and node
 * postprocessors (they dispatch no event at all).
 *
 * Each wraps a method on the object itself (never on a shared prototype), returns the same
 * object, and runs the call inside its operation, so operations started inside nest under it.
 * Wrapping again replaces ragmeter's layer instead of stacking one. A call on an object made
 * inside a call of the same wrapper on that object (`complete()` calling `chat()`) is recorded
 * once. With `instrumentLlamaIndex()` on too, the start event LlamaIndex dispatches for a
 * wrapped call is claimed by the wrapper, so nothing is recorded twice.
 */
import { OperationType } from '@ragmeter/sdk';
import { currentWrapper, makeFrame, parentFrame, runInFrame, type Frame, type Kind } from './frames.js';
import { LlmCall } from './llm-call.js';
import { currentEventCaller } from './llamaindex-global.js';
import { captures, checkOptions, monitorOf, type RecordOptions } from './options.js';
import {
  ATTR_EMBEDDING_INPUTS,
  ATTR_INPUT_NODES,
  ATTR_OPERATION_NAME,
  ATTR_OUTPUT_NODES,
  ATTR_REQUEST_MODEL,
  ATTR_RETRIEVED_NODES,
  ATTR_STREAMED,
  contentText,
  lengthOf,
  messagesText,
  modelOf,
} from './payloads.js';
import { followStream } from './stream.js';

type Method = ((...args: unknown[]) => unknown) & { [ORIGINAL]?: Method };
type Attributes = Record<string, string | number | boolean>;

/** Marks our wrappers and keeps what they wrap; shared by every copy of this package. */
const ORIGINAL = Symbol.for('ragmeter.llamaindex.original');

/** How one wrapped method records a call. */
interface Spec {
  readonly kind: Kind;
  readonly type: OperationType;
  readonly options: Readonly<RecordOptions>;
  /** Attributes known before the call. */
  attributes?(target: object, args: unknown[]): Attributes;
  /** The call's result is a stream to follow when `stream` is asked for. */
  streams?: boolean;
  /** Records what the result tells, before the operation ends. */
  result?(frame: Frame, value: unknown, args: unknown[]): void;
  /** LLM calls: prompt text for token counting. */
  prompt?(args: unknown[]): string[];
}

const isObject = (v: unknown): v is object => v !== null && (typeof v === 'object' || typeof v === 'function');
const isThenable = (v: unknown): v is PromiseLike<unknown> => isObject(v) && typeof (v as PromiseLike<unknown>).then === 'function';
const streamAsked = (args: unknown[]): boolean => (args[0] as { stream?: unknown } | null | undefined)?.stream === true;

function requireTarget(what: string, target: unknown, method: string): asserts target is Record<string, unknown> {
  if (!isObject(target) || typeof (target as Record<string, unknown>)[method] !== 'function') {
    throw new TypeError(`ragmeter: ${what}() needs an object with a ${method}() method, got ${String(target)}`);
  }
}

/** Puts our method on the object itself, in front of its own. */
function install(target: Record<string, unknown>, name: string, spec: Spec): void {
  const current = target[name];
  if (typeof current !== 'function') return;
  const original: Method = (current as Method)[ORIGINAL] ?? (current as Method);
  const wrapped: Method = function (this: unknown, ...args: unknown[]) {
    return call(spec, target, original, this, args);
  };
  Object.defineProperty(wrapped, ORIGINAL, { value: original });
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
}

/** One wrapped call: the hot path of the wrappers. */
function call(spec: Spec, target: object, original: Method, self: unknown, args: unknown[]): unknown {
  const outer = currentWrapper();
  if (outer !== undefined && outer.kind === spec.kind && outer.target === target) return original.apply(self, args);
  let frame: Frame;
  let llm: LlmCall | undefined;
  try {
    const monitor = monitorOf(spec.options);
    const parent = parentFrame(currentEventCaller());
    const op = monitor.trackOperation(spec.type, spec.attributes?.(target, args), parent === undefined ? undefined : { parent: parent.op });
    frame = makeFrame(op, parent, spec.kind, target);
    if (spec.prompt !== undefined) llm = new LlmCall(op, monitor, captures(spec.options, monitor), spec.prompt(args));
  } catch {
    return original.apply(self, args); // never let instrumentation break the call
  }
  const { op } = frame;
  const fail = (error: unknown) => (llm !== undefined ? llm.fail(error) : op.fail(error));
  const end = (value: unknown) => {
    try {
      spec.result?.(frame, value, args);
    } catch {
      // what could be read was recorded
    }
    if (llm !== undefined) llm.end(value);
    else op.end();
  };
  const settled = (value: unknown) => {
    const streamed =
      spec.streams === true &&
      streamAsked(args) &&
      followStream(value, {
        value: llm === undefined ? undefined : (chunk) => llm.chunk(chunk),
        end: () => end(undefined),
        fail,
      });
    if (streamed && llm === undefined) op.setAttribute(ATTR_STREAMED, true);
    if (!streamed) end(value);
    return value;
  };
  let result: unknown;
  try {
    result = runInFrame(frame, () => original.apply(self, args));
  } catch (error) {
    fail(error);
    throw error;
  }
  if (!isThenable(result)) return settled(result);
  // The caller gets a promise of the same outcome: its value, or its error unchanged.
  return Promise.resolve(result).then(settled, (error: unknown) => {
    fail(error);
    throw error;
  });
}

/**
 * Records `engine.query()` as `query_processing` — with failures, and for a streamed answer
 * until it is read — and the engine's `retriever` and `nodePostprocessors` (as
 * {@link trackRetriever} and {@link trackReranker} do). Returns the same engine.
 */
export function trackQueryEngine<E extends object>(engine: E, options: RecordOptions = {}): E {
  requireTarget('trackQueryEngine', engine, 'query');
  const opts = checkOptions('trackQueryEngine', options);
  install(engine, 'query', { kind: 'query', type: OperationType.QUERY_PROCESSING, options: opts, streams: true });
  const { retriever, nodePostprocessors } = engine as { retriever?: unknown; nodePostprocessors?: unknown };
  if (isObject(retriever) && typeof (retriever as { retrieve?: unknown }).retrieve === 'function') trackRetriever(retriever, opts);
  if (Array.isArray(nodePostprocessors)) {
    for (const p of nodePostprocessors) if (isObject(p) && typeof (p as { postprocessNodes?: unknown }).postprocessNodes === 'function') trackReranker(p, opts);
  }
  return engine;
}

/** Records `retriever.retrieve()` as `document_retrieval`, with failures. Returns the same retriever. */
export function trackRetriever<R extends object>(retriever: R, options: RecordOptions = {}): R {
  requireTarget('trackRetriever', retriever, 'retrieve');
  install(retriever, 'retrieve', {
    kind: 'retrieve',
    type: OperationType.DOCUMENT_RETRIEVAL,
    options: checkOptions('trackRetriever', options),
    result: (frame, nodes) => {
      const n = lengthOf(nodes);
      if (n !== undefined) frame.op.setAttribute(ATTR_RETRIEVED_NODES, n);
    },
  });
  return retriever;
}

const llmAttributes = (target: object): Attributes => {
  const model = modelOf(target);
  return model === undefined ? { [ATTR_OPERATION_NAME]: 'chat' } : { [ATTR_OPERATION_NAME]: 'chat', [ATTR_REQUEST_MODEL]: model };
};

/**
 * Records an LLM's `chat()` and `complete()` (plain and streamed) as `llm_inference`, with
 * tokens, time to first token and failures. Returns the same LLM.
 */
export function trackLLM<L extends object>(llm: L, options: RecordOptions = {}): L {
  requireTarget('trackLLM', llm, 'chat');
  const opts = checkOptions('trackLLM', options);
  const base = { kind: 'llm' as const, type: OperationType.LLM_INFERENCE, options: opts, attributes: llmAttributes, streams: true };
  install(llm, 'chat', { ...base, prompt: (args) => messagesText((args[0] as { messages?: unknown } | undefined)?.messages) });
  install(llm, 'complete', { ...base, prompt: (args) => messagesText([{ content: (args[0] as { prompt?: unknown } | undefined)?.prompt }]) });
  return llm;
}

/**
 * Records an embedding model's `getTextEmbedding()`, `getTextEmbeddings()`,
 * `getTextEmbeddingsBatch()` and `getQueryEmbedding()` as `embedding_generation` (one operation
 * per outermost call), with input tokens counted by the monitor's tokenizer. Returns the same
 * model.
 */
export function trackEmbedding<M extends object>(embedModel: M, options: RecordOptions = {}): M {
  requireTarget('trackEmbedding', embedModel, 'getTextEmbedding');
  const opts = checkOptions('trackEmbedding', options);
  // A text, texts, or for getQueryEmbedding() a content detail (`{ type: 'text', text }`).
  const texts = (args: unknown[]): string[] => {
    const input = args[0];
    if (Array.isArray(input)) return input.map((t) => (typeof t === 'string' ? t : contentText([t])));
    return [typeof input === 'string' ? input : contentText([input])];
  };
  const spec: Spec = {
    kind: 'embedding',
    type: OperationType.EMBEDDING_GENERATION,
    options: opts,
    attributes: (target, args) => {
      const model = modelOf(target);
      const attrs: Attributes = { [ATTR_OPERATION_NAME]: 'embeddings' };
      if (model !== undefined) attrs[ATTR_REQUEST_MODEL] = model;
      if (Array.isArray(args[0])) attrs[ATTR_EMBEDDING_INPUTS] = args[0].length;
      return attrs;
    },
    result: (frame, _value, args) => {
      const monitor = monitorOf(opts);
      frame.op.setTokens({ input: monitor.countTokens(texts(args)) }).setAttribute('rag.operation.tokens_from_text', true);
    },
  };
  for (const name of ['getTextEmbedding', 'getTextEmbeddings', 'getTextEmbeddingsBatch', 'getQueryEmbedding']) install(embedModel, name, spec);
  return embedModel;
}

/**
 * Records a node postprocessor's `postprocessNodes()` — a reranker, or any step that reorders
 * or filters retrieved nodes — as `reranking`, with the node counts in and out. Returns the same
 * postprocessor.
 */
export function trackReranker<P extends object>(postprocessor: P, options: RecordOptions = {}): P {
  requireTarget('trackReranker', postprocessor, 'postprocessNodes');
  install(postprocessor, 'postprocessNodes', {
    kind: 'rerank',
    type: OperationType.RERANKING,
    options: checkOptions('trackReranker', options),
    attributes: (_target, args): Attributes => {
      const n = lengthOf(args[0]);
      return n === undefined ? {} : { [ATTR_INPUT_NODES]: n };
    },
    result: (frame, nodes) => {
      const n = lengthOf(nodes);
      if (n !== undefined) frame.op.setAttribute(ATTR_OUTPUT_NODES, n);
    },
  });
  return postprocessor;
}
