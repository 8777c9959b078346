/**
 * `registerRagMeterHandler()`: one handler for every LangChain run, with no `callbacks` option
 * at each call. It uses LangChain's own hook for this (`registerConfigureHook` with a context
 * variable from `@langchain/core/context`), which lives in LangChain's async context: call it at
 * start-up, in the code that later runs the chains (what is started from there inherits it).
 */
import { registerConfigureHook, setContextVariable } from '@langchain/core/context';
import { RagMeterCallbackHandler, type RagMeterCallbackHandlerOptions } from './handler.js';

/** The LangChain context variable that holds the registered handler. */
export const CONTEXT_VARIABLE = 'ragmeter_callback_handler';

/**
 * Makes a {@link RagMeterCallbackHandler} and adds it to every LangChain run started from the
 * current async context on; returns it. A handler also given in a run's `callbacks` is not
 * called twice (LangChain keeps one handler per name).
 */
export function registerRagMeterHandler(options?: RagMeterCallbackHandlerOptions): RagMeterCallbackHandler {
  const handler = new RagMeterCallbackHandler(options);
  registerConfigureHook({ contextVar: CONTEXT_VARIABLE, inheritable: true });
  setContextVariable(CONTEXT_VARIABLE, handler);
  return handler;
}
