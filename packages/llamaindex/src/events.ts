/**
 * `instrumentLlamaIndex()`: LlamaIndex's own events (its `CallbackManager`) become ragmeter
 * operations.
 *
 * | events                          | operation            |
 * |---------------------------------|----------------------|
 * | query-start / query-end         | `query_processing`   |
 * | retrieve-start / retrieve-end   | `document_retrieval` |
 * | llm-start / llm-stream / llm-end| `llm_inference`      |
 *
 * LlamaIndex dispatches events in a microtask, in the async context of the call that
 * dispatched them; a start is matched with its end by the event's `id`. What the events cannot
 * tell (a failure: there is no failure event; embeddings and rerankers: they dispatch none) is
 * left to the wrappers in wrappers.ts, which claim the start events of the calls they record so
 * that nothing is recorded twice (see frames.ts).
 */
import { OperationType } from '@ragmeter/sdk';
import { abandonOperation } from '@ragmeter/sdk/integration';
import { bindCaller, claim, makeFrame, parentFrame, type Frame } from './frames.js';
import { LlmCall } from './llm-call.js';
import { captures, checkOptions, monitorOf, type RecordOptions } from './options.js';
import { ATTR_OPERATION_NAME, ATTR_REQUEST_MODEL, ATTR_RETRIEVED_NODES, ATTR_STREAMED, lengthOf, messagesText, modelOf } from './payloads.js';
import { llamaIndexGlobal } from './llamaindex-global.js';
import { followStream } from './stream.js';

/** A LlamaIndex `CallbackManager`, by shape (`Settings.callbackManager`). */
export interface CallbackManagerLike {
  on(event: string, handler: (event: LlamaIndexEventLike) => void): unknown;
  off(event: string, handler: (event: LlamaIndexEventLike) => void): unknown;
}

/** What a LlamaIndex event handler receives: `detail` and the `reason` (EventCaller chain). */
export interface LlamaIndexEventLike {
  readonly detail?: unknown;
  readonly reason?: unknown;
}

/** Options of {@link instrumentLlamaIndex}. */
export interface InstrumentLlamaIndexOptions extends RecordOptions {
  /**
   * The callback manager to listen to. Default: `Settings.callbackManager` of the
   * `@llamaindex/core` the application loaded (its CommonJS or its ES-module copy).
   */
  callbackManager?: CallbackManagerLike;
}

/** What {@link instrumentLlamaIndex} returns. */
export interface LlamaIndexInstrumentation {
  /**
   * Stops listening. Operations whose end event has not come are given up on: no metrics,
   * counted in the report's `dropped` section as `abandoned_operation`.
   */
  uninstrument(): void;
}

/**
 * Starts whose end event never came (failures, streams left early) are given up on past this
 * many, oldest first (`abandoned_operation`), so memory stays bounded.
 */
export const MAX_PENDING = 10_000;

interface Pending {
  readonly frame: Frame;
  readonly llm?: LlmCall;
}

type Detail = Record<string, unknown>;

/** The instrumentation listening to each callback manager: a second one replaces the first. */
const installed = new WeakMap<object, LlamaIndexInstrumentation>();

/**
 * Records LlamaIndex.TS query engines, retrievers and LLM calls from LlamaIndex's events. Call
 * once at start-up; a second call on the same callback manager replaces the first (nothing is
 * recorded twice). Returns a handle whose `uninstrument()` stops it.
 */
export function instrumentLlamaIndex(options: InstrumentLlamaIndexOptions = {}): LlamaIndexInstrumentation {
  const opts = checkOptions('instrumentLlamaIndex', options, ['callbackManager']);
  const manager = opts.callbackManager ?? llamaIndexGlobal(true)?.Settings?.callbackManager;
  if (!isManager(manager)) {
    throw new TypeError('ragmeter: instrumentLlamaIndex option "callbackManager" must be a LlamaIndex CallbackManager');
  }
  installed.get(manager)?.uninstrument();
  const pending = new Map<string, Pending>();

  const start = (id: unknown, type: OperationType, attributes: Record<string, string | number>, reason: unknown, llm?: string[]) => {
    if (typeof id !== 'string') return undefined;
    const monitor = monitorOf(opts);
    const parent = parentFrame(reason);
    const op = monitor.trackOperation(type, attributes, parent === undefined ? undefined : { parent: parent.op });
    const frame = makeFrame(op, parent);
    const entry: Pending = { frame, llm: llm === undefined ? undefined : new LlmCall(op, monitor, captures(opts, monitor), llm) };
    if (pending.size >= MAX_PENDING) {
      const [oldestId, oldest] = pending.entries().next().value!;
      pending.delete(oldestId);
      abandonOperation(oldest.frame.op, `a LlamaIndex operation whose end event never came, given up to keep at most ${MAX_PENDING} open`);
    }
    pending.set(id, entry);
    return entry;
  };
  const take = (id: unknown): Pending | undefined => {
    const entry = typeof id === 'string' ? pending.get(id) : undefined;
    if (entry !== undefined) pending.delete(id as string);
    return entry;
  };

  const handlers: Record<string, (d: Detail, reason: unknown) => void> = {
    'query-start': (d, reason) => {
      const claimed = claim('query');
      if (claimed !== undefined) return bindCaller(reason, claimed);
      const entry = start(d.id, OperationType.QUERY_PROCESSING, {}, reason);
      if (entry !== undefined) bindCaller(reason, entry.frame);
    },
    'query-end': (d) => {
      const entry = take(d.id);
      if (entry === undefined) return;
      const { op } = entry.frame;
      // A streamed answer is produced while it is read: the query lasts until then.
      const streamed = followStream(d.response, { end: () => op.end(), fail: (error) => op.fail(error) });
      if (streamed) op.setAttribute(ATTR_STREAMED, true);
      else op.end();
    },
    'retrieve-start': (d, reason) => {
      if (claim('retrieve') !== undefined) return;
      start(d.id, OperationType.DOCUMENT_RETRIEVAL, {}, reason);
    },
    'retrieve-end': (d) => {
      const entry = take(d.id);
      if (entry === undefined) return;
      const nodes = lengthOf(d.nodes);
      if (nodes !== undefined) entry.frame.op.setAttribute(ATTR_RETRIEVED_NODES, nodes);
      entry.frame.op.end();
    },
    'llm-start': (d, reason) => {
      if (claim('llm') !== undefined) return;
      const model = modelOf(llmOf(reason));
      const attributes: Record<string, string> = { [ATTR_OPERATION_NAME]: 'chat' };
      if (model !== undefined) attributes[ATTR_REQUEST_MODEL] = model;
      start(d.id, OperationType.LLM_INFERENCE, attributes, reason, messagesText(d.messages));
    },
    'llm-stream': (d) => {
      if (typeof d.id === 'string') pending.get(d.id)?.llm?.chunk(d.chunk);
    },
    'llm-end': (d) => {
      const entry = take(d.id);
      // A stream's end event carries the joined text and the chunks' raw payloads.
      entry?.llm?.end(d.response);
    },
  };

  // LlamaIndex calls handlers in a microtask: anything thrown there would be an uncaught
  // exception in the host, so nothing is.
  const listeners = Object.entries(handlers).map(([name, handle]) => {
    const listener = (event: LlamaIndexEventLike) => {
      try {
        const detail = event?.detail;
        if (detail !== null && typeof detail === 'object') handle(detail as Detail, event.reason);
      } catch {
        // an event we cannot read is skipped
      }
    };
    manager.on(name, listener);
    return [name, listener] as const;
  });

  let active = true;
  const handle: LlamaIndexInstrumentation = {
    uninstrument() {
      if (!active) return;
      active = false;
      for (const [name, listener] of listeners) manager.off(name, listener);
      for (const entry of pending.values()) {
        abandonOperation(entry.frame.op, 'a LlamaIndex operation still open when uninstrument() was called');
      }
      pending.clear();
      if (installed.get(manager) === handle) installed.delete(manager);
    },
  };
  installed.set(manager, handle);
  return handle;
}

export function isManager(v: unknown): v is CallbackManagerLike {
  return v !== null && typeof v === 'object' && typeof (v as CallbackManagerLike).on === 'function' && typeof (v as CallbackManagerLike).off === 'function';
}

/** The LLM that dispatched an event, when it is the event's caller (providers wrap `chat()`). */
function llmOf(reason: unknown): unknown {
  const caller = (reason as { caller?: unknown } | null | undefined)?.caller;
  return caller !== null && typeof caller === 'object' && typeof (caller as { chat?: unknown }).chat === 'function' ? caller : undefined;
}
