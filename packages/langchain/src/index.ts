// @ragmeter/langchain: LangChain.js runs recorded as ragmeter operations.
export { RagMeterCallbackHandler, TOOL_CALL } from './handler.js';
export type { RagMeterCallbackHandlerOptions } from './handler.js';
export { registerRagMeterHandler } from './register.js';
