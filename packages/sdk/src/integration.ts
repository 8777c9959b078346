// @ragmeter/sdk/integration: pieces for packages that record a library for ragmeter
// (@ragmeter/openai, @ragmeter/anthropic, @ragmeter/langchain, @ragmeter/llamaindex,
// @ragmeter/ai-sdk), so each does not carry its own copy.
export { followStream, type StreamLike, type StreamObserver } from './integration/follow-stream.js';
export { followAPIPromise, type APIPromiseObserver } from './integration/follow-api-promise.js';
export { abandonOperation } from './integration/abandon.js';
