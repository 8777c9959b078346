/**
 * Which operation is the parent of a new one, and which LlamaIndex events a wrapper already
 * records.
 *
 * Two sources know where a call sits:
 * - the wrappers (`trackQueryEngine()` and the like) run the call inside a frame of their own
 *   (an AsyncLocalStorage, so it holds across `await`), and inside their operation's context;
 * - LlamaIndex's events carry `event.reason`, the chain of `EventCaller`s LlamaIndex keeps for
 *   methods it wraps with `wrapEventCaller` (a query engine's `query()`, providers' `chat()`).
 *   Each query gets its own EventCaller, so the operation started for its `query-start` is
 *   found again from any event dispatched inside that query, even with queries running
 *   concurrently.
 * The innermost of the two is the parent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Operation } from '@ragmeter/sdk';

/** What a wrapper records, and the start event of LlamaIndex it therefore claims. */
export type Kind = 'query' | 'retrieve' | 'llm' | 'embedding' | 'rerank';

export interface Frame {
  readonly op: Operation;
  readonly parent: Frame | undefined;
  /** Set for a wrapper's frame: the kind of call it records. */
  readonly kind: Kind | undefined;
  /** The object whose method the wrapper records (nested calls on it record nothing more). */
  readonly target: object | undefined;
  /** The wrapper's own start event has been seen, and not recorded a second time. */
  claimed: boolean;
}

const wrapperFrames = new AsyncLocalStorage<Frame>();
/** LlamaIndex EventCaller (one per wrapped call) -> the frame of the operation it started. */
const callerFrames = new WeakMap<object, Frame>();

interface EventCallerShape {
  readonly caller?: unknown;
  readonly parent?: EventCallerShape | null;
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object';

/** The innermost wrapper frame of the running call. */
export const currentWrapper = (): Frame | undefined => wrapperFrames.getStore();

/** Runs `fn` inside `frame` (and its operation's context). */
export const runInFrame = <T>(frame: Frame, fn: () => T): T => wrapperFrames.run(frame, () => frame.op.run(fn));

export function makeFrame(op: Operation, parent: Frame | undefined, kind?: Kind, target?: object): Frame {
  return { op, parent, kind, target, claimed: false };
}

function within(frame: Frame, ancestor: Frame): boolean {
  for (let f: Frame | undefined = frame; f !== undefined; f = f.parent) if (f === ancestor) return true;
  return false;
}

/** The frame an event's EventCaller chain leads to, if any. Bounded walk: the chain is LlamaIndex's. */
function eventedFrame(reason: unknown): Frame | undefined {
  let caller: unknown = reason;
  for (let depth = 0; isObject(caller) && depth < 64; depth++) {
    const frame = callerFrames.get(caller);
    if (frame !== undefined) return frame;
    caller = (caller as EventCallerShape).parent;
  }
  return undefined;
}

/** The parent frame of an operation started now, for an event with `reason` (or none). */
export function parentFrame(reason?: unknown): Frame | undefined {
  const wrapper = currentWrapper();
  const evented = eventedFrame(reason);
  if (evented === undefined) return wrapper;
  if (wrapper === undefined) return evented;
  // The evented one is deeper when it was started inside the wrapper's call.
  return within(evented, wrapper) ? evented : wrapper;
}

/** Operations started inside the call `reason` names (a query's own EventCaller) nest under `frame`. */
export function bindCaller(reason: unknown, frame: Frame): void {
  if (isObject(reason) && (reason as EventCallerShape).caller !== undefined && !callerFrames.has(reason)) {
    callerFrames.set(reason, frame);
  }
}

/**
 * A wrapper recording `kind` claims the first start event of that kind dispatched inside its
 * call: LlamaIndex announces the call the wrapper already records. Returns its frame then.
 */
export function claim(kind: Kind): Frame | undefined {
  const frame = currentWrapper();
  if (frame === undefined || frame.kind !== kind || frame.claimed) return undefined;
  frame.claimed = true;
  return frame;
}
